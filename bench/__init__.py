"""Benchmarks: kernels (bench/kernels) and the harness behind `python -m bench`."""
