"""Cron expressions as admins see them: validated with a clear message and said in words."""

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter
from django.core.exceptions import ValidationError


def cron_validate(value: str) -> None:
    """Raises ValidationError unless `value` is a five-field cron expression croniter can run."""
    fields = (value or "").split()
    if len(fields) != 5:
        raise ValidationError("Enter five fields: minute hour day-of-month month day-of-week, for example '0 7 * * *' for 07:00 every day.")
    if not croniter.is_valid(value):
        limits = "minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6 (Sunday is 0)"
        raise ValidationError(f"'{value}' is not a valid cron expression. Each field must be within its range: {limits}.")


def cron_in_words(value: str | None) -> str:
    if not value:
        return "-"
    try:
        options = Options()
        options.use_24hour_time_format = True
        return ExpressionDescriptor(value, options).get_description()
    except Exception:  # cron_descriptor raises many kinds of errors on expressions it cannot describe
        return value
