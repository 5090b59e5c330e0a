"""What follows when recorded waste or feedback changes (recorded, corrected, deleted, imported): every
figure computed from those days is brought up to date. Each write of waste or feedback ends by
calling `records_changed`, in its transaction."""

import datetime

from mess.totals import day_totals_refresh


def records_changed(*, dates: list[datetime.date], mess_ids: list[int] | None = None) -> None:
    """The waste or feedback of `dates` at the messes named (None: any mess) changed: their kept
    day totals are recomputed."""
    day_totals_refresh(dates=dates, mess_ids=mess_ids)
