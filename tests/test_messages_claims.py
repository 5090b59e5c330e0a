"""Two deliveries at once, as separate processes on the same database: each message is claimed by
one of them and sent once. The job's lease already keeps two runs of send_messages apart (the second
is skipped); the claims hold even without it, which is what this proves, calling messages_send in
two processes directly. A transactional test (the processes must see the messages); run it on
MariaDB too, where the claims are real row updates racing each other."""

import pytest
from django.utils import timezone

from mess.models import OutgoingMessage, PushSubscription
from mess.push import vapid_keys_generate
from tests.factories import rater
from tests.helpers import start
from tests.push_service import PushService

MESSAGES = 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the other transactional tests: the data migrations' rows come back
def test_two_runs_at_once_send_each_message_once(settings):
    public, private = vapid_keys_generate()
    vapid = {"VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private}
    with PushService(vapid_public_key=public, delay=0.05) as service:
        students = [rater() for _ in range(MESSAGES)]
        for student in students:
            endpoint, keys = service.subscribe(student.username)
            PushSubscription.objects.create(user=student, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
        OutgoingMessage.objects.bulk_create(
            OutgoingMessage(channel="push", user=student, kind="reply", key="1", title=f"To {student.username}") for student in students
        )
        deliver = "from mess.messages import messages_send; print(messages_send())"
        runs = [start(["manage.py", "shell", "-c", deliver], **vapid) for _ in range(2)]
        outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted(p["title"] for p in service.payloads()) == sorted(f"To {s.username}" for s in students), outputs
    assert OutgoingMessage.objects.filter(sent_at__lte=timezone.now(), attempts=1).count() == MESSAGES
    sent = sorted(int(output.strip().splitlines()[-1].split()[0]) for output in outputs)
    assert sum(sent) == MESSAGES and sent[0] > 0, outputs  # both runs sent some: they did race
