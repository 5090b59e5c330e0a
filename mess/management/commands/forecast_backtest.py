"""Measures the head-count forecast honestly: each meal of the last days with a recorded head count is
forecast from what was known at its cut-off that day, and the mean absolute percentage error of the
forecast, of last week's head count and of the signed-up number are printed (see
mess.forecast.forecast_backtest)."""

import json

from django.core.management.base import BaseCommand, CommandError

from mess.forecast import BACKTEST_DAYS, forecast_backtest


class Command(BaseCommand):
    help = "Compares the head-count forecast with last_week and signed_up on the last days' recorded meals."

    def add_arguments(self, parser):
        parser.add_argument("--mess", metavar="CODE", help="Only this mess; every active mess if not given.")
        parser.add_argument("--days", type=int, default=BACKTEST_DAYS, help=f"How many days before today (default {BACKTEST_DAYS}).")
        parser.add_argument("--json", action="store_true", dest="as_json", help='Print {"meals": n, "mape": {...}}, errors as fractions.')

    def handle(self, *args, mess: str | None, days: int, as_json: bool, **options):
        try:
            result = forecast_backtest(mess_code=mess, days=days)
        except ValueError as error:
            raise CommandError(str(error)) from None
        return json.dumps(result.as_json()) if as_json else str(result)
