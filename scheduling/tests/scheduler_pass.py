"""One pass of the scheduler, started at an agreed instant, for the exactly-once test.

Usage: python -m scheduling.tests.scheduler_pass START_EPOCH. Exits 1 if the pass logged an error (the
scheduler catches the errors of each schedule and only logs them).
"""

import logging
import sys
import time

import django

django.setup()

from django_q.brokers import get_broker  # noqa: E402

from scheduling.scheduler import schedules_start_due  # noqa: E402


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def main(start: float) -> int:
    errors = Errors()
    logging.getLogger("scheduling.scheduler").addHandler(errors)
    broker = get_broker()
    time.sleep(max(0.0, start - time.time()))
    schedules_start_due(broker=broker)
    for record in errors.records:
        print("scheduler pass failed:", record.getMessage(), record.exc_text or "")
    return 1 if errors.records else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1])))
