"""Cron expressions as admins see them: validated with a clear message and said in words."""

from datetime import datetime

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter
from django.core.exceptions import ValidationError
from django.utils import timezone

# A cron that fires on no day of the next 8 years never fires (29 February comes every 4, or 8 at a century).
CRON_YEARS = 8


def cron_next_runs(value: str, *, count: int = 5, start: datetime | None = None) -> list[datetime]:
    """The next `count` times `value` fires after `start` (default now), in local time. Raises
    croniter's CroniterBadDateError for an expression that never fires (30 February)."""
    it = croniter(value, timezone.localtime(start or timezone.now()), max_years_between_matches=CRON_YEARS)
    return [it.get_next(datetime) for _ in range(count)]


def cron_validate(value: str) -> None:
    """Raises ValidationError unless `value` is a five-field cron expression croniter can run."""
    fields = (value or "").split()
    if len(fields) != 5:
        raise ValidationError("Enter five fields: minute hour day-of-month month day-of-week, for example '0 7 * * *' for 07:00 every day.")
    if not croniter.is_valid(value):
        limits = "minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6 (Sunday is 0)"
        raise ValidationError(f"'{value}' is not a valid cron expression. Each field must be within its range: {limits}.")
    try:
        cron_next_runs(value, count=1)
    except Exception:  # croniter raises several kinds for expressions that never come
        raise ValidationError(
            f"'{value}' never runs: no date matches its day of month, month and day of week together (30 February, for example)."
        ) from None


def cron_in_words(value: str | None) -> str:
    if not value:
        return "-"
    try:
        options = Options()
        options.use_24hour_time_format = True
        return ExpressionDescriptor(value, options).get_description()
    except Exception:  # cron_descriptor raises many kinds of errors on expressions it cannot describe
        return value
