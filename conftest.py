"""Settings for the whole test suite."""

import os

# Memory the CPU backend hands out without zeroing is filled with all-ones bytes, so that a
# transient read before it is written shows as NaN or -1 instead of passing by luck.
os.environ.setdefault("SLUICE_POISON_UNZEROED", "1")


def pytest_addoption(parser):
    parser.addoption("--boundscheck", action="store_true",
                     help="the CPU backend's differential tests (tests/backends/cpu, "
                          "cpu_helpers.check) also run every program in a bounds-checked build")
