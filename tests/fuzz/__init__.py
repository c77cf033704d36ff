"""The permanent differential fuzzer: random NumPy programs checked three ways (NumPy, the
reference interpreter, the CPU backend) and mutation fuzzers for every user input.

Long campaigns: `python -m tests.fuzz --n 10000`; CI runs the pytest entry points here."""
