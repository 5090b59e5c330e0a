"""Item 7: what judging comments costs. `triage` of 10,000 comments (the labelled set's, over and over),
as the imports judge them; and `feedback_retriage` of the entries not notified yet (10,000 written
for it, and the history's of the days since), as an admin's change of the complaint terms makes it
run; and the notifications run that follows, which reads the stored verdicts and judges nothing. The
10,000 entries are dated the week before the generated history, and deleted after."""

import csv
import datetime
import itertools
import time

from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction

from benchmarks.common import ROOT, day_after_data, summary
from mess.models import Feedback, Mess, Role
from mess.notifications import notifications_send
from mess.triage import feedback_retriage, terms_load, triage

COMMENTS = 10_000
RUNS = 5


def _comments() -> list[str]:
    with open(ROOT / "tests" / "data" / "triage-comments.csv", newline="", encoding="utf-8") as file:
        labelled = [row["comment"] for row in csv.DictReader(file)]
    return list(itertools.islice(itertools.cycle(labelled), COMMENTS))


def measure() -> dict:
    comments = _comments()
    terms = terms_load()
    judging = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for n, comment in enumerate(comments):
            triage(rating=1 + n % 5, category="food", comment=comment, terms=terms)
        judging.append(time.perf_counter() - started)

    with day_after_data(hour=15):
        # a week before the generated history, so that the history stays as it was
        before = Feedback.objects.order_by("date").values_list("date", flat=True).first()
        mess = Mess.objects.order_by("pk").first()
        students = list(get_user_model().objects.filter(groups__name=Role.STUDENT, profile__mess=mess).values_list("pk", flat=True))
        meals = ("breakfast", "lunch", "snacks", "dinner")
        slots = [(student, before - datetime.timedelta(days=day), meal) for day in range(1, 8) for meal in meals for student in students]
        if len(slots) < COMMENTS:
            raise RuntimeError(f"{mess.code} has room for {len(slots)} entries in a week, not {COMMENTS}")
        entries = [
            Feedback(student_id=s, mess=mess, date=d, meal=m, rating=4, category="food", comment=c)
            for (s, d, m), c in zip(slots, comments, strict=False)
        ]
        dates = sorted({e.date for e in entries})
        try:
            with transaction.atomic():
                Feedback.objects.bulk_create(entries, batch_size=2000)
            examined = Feedback.objects.filter(date__gte=dates[0], notified_at__isnull=True).count()
            started = time.perf_counter()
            changed = feedback_retriage(since=dates[0])
            retriage = time.perf_counter() - started
            started = time.perf_counter()
            notifications_send(meal="dinner", date=dates[-1])
            notify = time.perf_counter() - started
            mail.outbox = []
        finally:
            Feedback.objects.filter(mess=mess, date__in=dates).delete()
    return {
        "comments": COMMENTS,
        "triage_10000": summary(judging),
        "retriage_entries": examined,
        "retriage_s": round(retriage, 2),
        "retriage_s_per_10000": round(retriage * 10_000 / examined, 2),
        "retriage_changed": changed,
        "notifications_run_after_s": round(notify, 2),
    }
