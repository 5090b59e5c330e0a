"""Item 8: what cooking for those who will come costs. The forecast of every mess's next meal, as
the cut-off job makes it (`forecasts`, then `cook_sheets_make`, which also reads the kilograms cooked,
and the whole `cook_sheets_send` run: sheets stored and e-mailed, rolled back after each run), and
the forecast of one mess, whose cost should follow the messes and not the years of history; then
`forecast_backtest(days=56)`, every meal of every mess of the last 8 weeks from what was known at its
cut-off. "Today" is the day after the history, at 15:00: dinner, whose cut-off is at 16:00, is the
next meal."""

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.common import day_after_data, summary, timed
from mess.cook_sheets import cook_sheets_make, cook_sheets_send
from mess.forecast import forecast_backtest, forecasts
from mess.models import Absence, Meal, Mess

RUNS = 15
BACKTEST_RUNS = 3
MEAL = Meal.DINNER


class _Undo(Exception):
    pass


def _send(*, meal: str, date) -> None:
    """One cook_sheets_send run, rolled back so that the next run stores the sheets again."""
    try:
        with transaction.atomic():
            cook_sheets_send(meal=meal, date=date)
            raise _Undo
    except _Undo:
        pass


def _queries(func, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        func(**kwargs)
    return len(queries)


def measure(*, runs: int = RUNS, backtest_runs: int = BACKTEST_RUNS) -> dict:
    with day_after_data(hour=15) as today:
        messes = list(Mess.objects.filter(is_active=True).order_by("code"))
        meals = [(today, MEAL)]
        due = [(mess, today) for mess in messes]
        forecasts(messes=messes, meals=meals)  # warm up
        every, one, sheets, job = [], [], [], []
        # Interleaved, so that a burst of other work on the machine hits each alike.
        for _ in range(runs):
            every.append(timed(forecasts, messes=messes, meals=meals)[0])
            one.append(timed(forecasts, messes=messes[:1], meals=meals)[0])
            sheets.append(timed(cook_sheets_make, due=due, meal=MEAL)[0])
            job.append(timed(_send, meal=MEAL, date=today)[0])
        backtests = []
        for _ in range(backtest_runs):
            with CaptureQueriesContext(connection) as queries:
                seconds, result = timed(forecast_backtest, days=56)
            backtests.append(seconds)
        return {
            "messes": len(messes),
            "absences": Absence.objects.count(),
            "forecasts_every_mess": {**summary(every), "queries": _queries(forecasts, messes=messes, meals=meals)},
            "forecasts_one_mess": {**summary(one), "queries": _queries(forecasts, messes=messes[:1], meals=meals)},
            "cook_sheets_make": summary(sheets),
            "cook_sheets_send": summary(job),
            "backtest_56_days": {
                **summary(backtests),
                "queries": len(queries),
                "meals": result.meals,
                "mape": result.mape,
            },
        }
