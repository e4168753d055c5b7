"""The benchmark suite (``bench/run``, ``bench/load``): not collected by pytest (testpaths = tests)."""
