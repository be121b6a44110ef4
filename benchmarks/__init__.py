"""Benchmarks run by `make bench`: speed and memory targets, measured as ratios in one run."""
