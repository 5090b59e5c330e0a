"""gunicorn's settings for the crowd benchmarks (`-c python:benchmarks.crowd_gunicorn`): each worker,
once it has loaded ManageIt, times every feedback save (benchmarks.timings) into the directory
BENCH_TIMINGS names."""

import os
from pathlib import Path

from benchmarks.timings import timings_install


def post_worker_init(worker):
    timings_install(Path(os.environ["BENCH_TIMINGS"]))
