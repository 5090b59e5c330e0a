"""Fresh alerts on a real cluster: a waste record saved in the web process raises the alert within
seconds, run by a `qcluster` worker through Redis from the one-off schedule the save left.

It starts a real cluster on the test database, so it commits its data (a transactional test); run it
on its own, like scheduling/tests/test_cluster.py.
"""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from mess.models import Alert, Floor, Mess
from mess.waste import waste_record_save
from scheduling.models import JobRun, Outcome, Trigger
from tests.helpers import redis_url, start


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saved_waste_raises_its_alert_through_a_cluster_within_seconds(monkeypatch):
    url = redis_url()
    redis.Redis.from_url(url).flushdb()
    # Long enough for the three saves below on a loaded machine: a save after the run was queued asks for another
    monkeypatch.setattr("mess.derived.ALERTS_WITHIN_SECONDS", 5)
    mess = Mess.objects.create(code="north", name="North", waste_threshold_kg=Decimal("10"))
    ground = Floor.objects.create(mess=mess, name="Ground")
    cluster = start(["manage.py", "qcluster"], REDIS_URL=url, Q_WORKERS="1")
    try:
        saved_at = time.monotonic()
        for kg in ("300", "400", "500"):  # three saves in a row (of yesterday, whose meals are all over): one run
            with transaction.atomic():
                waste_record_save(
                    mess=mess,
                    floor=ground,
                    date=timezone.localdate() - timedelta(days=1),
                    meal="lunch",
                    total_kg=Decimal(kg),
                    diners=None,
                    recorded_by=None,
                )
        assert Schedule.objects.filter(name="soon: generate_alerts mess_code='north'").count() == 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Alert.objects.exists():
            time.sleep(0.2)
        took = time.monotonic() - saved_at
        time.sleep(2)  # a second run, if there were one, would show by now
    finally:
        cluster.terminate()
        output = cluster.communicate(timeout=60)[0]
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject, alert.value) == ("high_waste", "Ground", Decimal("500.00")), output
    runs = list(JobRun.objects.values_list("job", "trigger", "outcome", "schedule_id", "arguments"))
    assert runs == [("generate_alerts", Trigger.SCHEDULE, Outcome.SUCCEEDED, None, {"mess_code": "north"})], output
    assert not Schedule.objects.exists()  # gone once its run was queued
    assert took < 15, took
    print(f"alert raised {took:.1f} s after the first save (the run was due after 5 s)")
