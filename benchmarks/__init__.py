"""Benchmarks (issue #6): `python benchmarks/bench.py`; never collected by the test suite."""
