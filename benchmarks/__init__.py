"""ManageIt's benchmarks (`make bench`, not part of `make test`): a generator of years of history
(`data`, behind `manage.py bench_data` with `benchmarks.settings`) and the measurements run against it (`run`); the results
are in docs/benchmarks.md."""
