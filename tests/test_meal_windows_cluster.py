"""Two messes with different lunch times on a real cluster: each gets its critical-feedback
notification and its missing-waste reminder from the schedules at its own lunch's end, run by a
`qcluster` worker through Redis, and neither from the other's.

The schedules' crons are the times; the test makes each pair of schedules due in turn (rather than
waiting for the clock to reach them) and checks what each run did. It starts a real cluster on the
test database, so it commits its data (a transactional test); run it on its own, like
scheduling/tests/test_cluster.py.
"""

import datetime
import time

import pytest
import redis
from django.utils import timezone
from django_q.models import Schedule

from mess.meals import meal_window_update
from mess.models import Floor, Mess, Notification, WasteReminder
from scheduling.models import JobRun, Outcome
from scheduling.schedules import schedule_kwargs
from scheduling.sync import schedules_sync
from tests.factories import feedback
from tests.helpers import redis_url, start

LUNCH = ["send_admin_notifications", "send_waste_reminders"]


def runs_done(count: int, output_of) -> list[JobRun]:
    """The cluster's finished runs once there are `count` of them (within a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = list(JobRun.objects.exclude(finished_at=None).order_by("pk"))
        if len(done) >= count:
            return done
        time.sleep(0.3)
    raise AssertionError(f"only {JobRun.objects.exclude(finished_at=None).count()} of {count} runs finished:\n{output_of()}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_messes_get_their_notifications_and_reminders_at_their_own_lunchs_end(django_user_model, tmp_path):
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    django_user_model.objects.create_superuser(username="ada", email="ada@example.org", password="pw-ada-123")
    north = Mess.objects.create(code="north", name="North")  # the default lunch, 12:00 to 14:00
    south = Mess.objects.create(code="south", name="South")
    Floor.objects.bulk_create([Floor(mess=north, name="Ground"), Floor(mess=south, name="Ground")])
    schedules_sync()
    meal_window_update(meal="lunch", starts_at=datetime.time(13, 0), ends_at=datetime.time(15, 0), mess=south)
    # Critical feedback of yesterday's lunch (whatever the time now, the runs make it up), and no waste recorded.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for mess in (north, south):
        feedback(mess, yesterday, "lunch", 1, "The dal was cold")

    schedules = {s.name: s for s in Schedule.objects.all()}
    own = {
        name: (schedules[name].cron, schedule_kwargs(schedules[name]))
        for name in schedules
        if name.split(":")[0] in LUNCH and ":lunch" in name
    }
    assert own == {
        "send_admin_notifications:lunch": ("0 14 * * *", {"meal": "lunch", "ends_at": "14:00"}),
        "send_admin_notifications:lunch@15:00": ("0 15 * * *", {"meal": "lunch", "ends_at": "15:00"}),
        "send_waste_reminders:lunch": ("0 15 * * *", {"meal": "lunch", "ends_at": "14:00"}),
        "send_waste_reminders:lunch@15:00": ("0 16 * * *", {"meal": "lunch", "ends_at": "15:00"}),
    }
    later = timezone.now() + datetime.timedelta(days=1)
    Schedule.objects.update(next_run=later)  # nothing runs but what the test makes due

    cluster = start(["manage.py", "qcluster"], REDIS_URL=url, Q_WORKERS="1", EMAIL_URL="", EMAIL_FILE_PATH=str(tmp_path))
    output = ""

    def output_of():
        cluster.terminate()
        return cluster.communicate(timeout=60)[0]

    try:
        # North's lunch has ended: its two schedules come due.
        Schedule.objects.filter(name__in=["send_admin_notifications:lunch", "send_waste_reminders:lunch"]).update(next_run=timezone.now())
        first = runs_done(2, output_of)
        assert all(r.outcome == Outcome.SUCCEEDED for r in first), [(r.job, r.outcome, r.summary) for r in first]
        assert list(Notification.objects.values_list("mess__code", flat=True)) == ["north"]
        assert list(WasteReminder.objects.values_list("mess__code", flat=True)) == ["north"]

        # South's lunch ends an hour later: its own schedules.
        Schedule.objects.filter(name__endswith="lunch@15:00").update(next_run=timezone.now())
        runs = runs_done(4, output_of)
    finally:
        if cluster.poll() is None:
            output = output_of()
    assert all(r.outcome == Outcome.SUCCEEDED for r in runs), ([(r.job, r.outcome, r.summary) for r in runs], output)
    assert sorted(Notification.objects.values_list("mess__code", flat=True)) == ["north", "south"]
    assert sorted(WasteReminder.objects.values_list("mess__code", flat=True)) == ["north", "south"]
    assert sorted((r.job, r.arguments["ends_at"][:5]) for r in runs) == [
        ("send_admin_notifications", "14:00"),
        ("send_admin_notifications", "15:00"),
        ("send_waste_reminders", "14:00"),
        ("send_waste_reminders", "15:00"),
    ], output
    # Each notification went out once, to the admin, from its own mess's run.
    subjects = sorted(line for f in tmp_path.iterdir() for line in f.read_text().splitlines() if line.startswith("Subject:"))
    assert [s.split(":")[1].strip() for s in subjects] == ["[ManageIt] North", "[ManageIt] South"], subjects
