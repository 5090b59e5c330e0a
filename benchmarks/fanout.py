"""Item 10 (issue 22 §5): the meal-end fan-out at 200 messes. Three `qcluster` processes (two
workers each) on Redis and the benchmark's MariaDB database, as three machines would run them; a
local mail server that takes ACCEPT_SECONDS to accept each message, as a slow relay does; a meal
with a critical comment at every active mess. The meal's window is made to end at the next whole
minute, and a schedule of send_admin_notifications at that time, as sync_schedules makes them, is
what starts the run: the scheduler queues it, it fans out a task per mess, and any worker of any
cluster takes them. Measured: the time from the meal's end to the last message accepted, and that
each mess's e-mail was accepted once (one after another, 200 messages would take over 200 s).

The clusters are stopped with SIGTERM, then SIGKILL; the rows the run added are deleted, and the
meal's window put back, so that the database's data is as bench_data left it."""

import datetime
import os
import re
import socketserver
import threading
import time

from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from benchmarks.common import WORK, percentile, start, stop
from mess.models import Feedback, MealWindow, Mess, Notification, OutgoingEmail, Profile, Role
from mess.triage import feedback_verdict, terms_load
from scheduling.models import JobRun, Outcome
from scheduling.schedules import RUNNER

CLUSTERS = 3
WORKERS = 2  # per cluster
ACCEPT_SECONDS = 1.0
MEAL = "snacks"
SCHEDULE = "bench-fanout-meal-end"
REDIS_URL = "redis://127.0.0.1:6379/5"
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)


class SlowMailServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's SMTP backend, on 127.0.0.1, a thread per connection: each message
    is accepted `accept_seconds` after its data has come in; `accepted` keeps (time, Message-ID)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, accept_seconds: float):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.accept_seconds = accept_seconds
        self.accepted: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: SlowMailServer = self.server
        self.reply("220 localhost ESMTP slow relay")
        while line := self.rfile.readline():
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 localhost")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk)
                time.sleep(server.accept_seconds)
                found = MESSAGE_ID.search(b"".join(chunks))
                with server.lock:
                    server.accepted.append((time.time(), found.group(1) if found else b""))
                self.reply("250 OK: queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


def _redis_queue_clear(url: str) -> None:
    """Empties django-q2's keys in the benchmark's Redis database (tasks a stopped run left)."""
    import redis  # the broker's client, only where the fan-out is measured

    client = redis.Redis.from_url(url)
    for key in client.scan_iter("django_q:*"):
        client.delete(key)


def _wait_for(logs: list, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(text in log.read_text(errors="replace") for log in logs):
            return True
        time.sleep(0.5)
    return False


def _critical_entries(*, messes: list[Mess], date: datetime.date, created_at: datetime.datetime) -> list[int]:
    """One critical entry (a low rating with a comment) of MEAL at each mess, by one of its students."""
    student_of = {}
    for mess_id, user_id in Profile.objects.filter(mess__in=messes, user__groups__name=Role.STUDENT).values_list("mess_id", "user_id"):
        student_of.setdefault(mess_id, user_id)
    terms = terms_load()
    entries = [
        feedback_verdict(
            entry=Feedback(
                student_id=student_of[mess.pk],
                mess=mess,
                date=date,
                meal=MEAL,
                rating=1,
                category="food",
                comment="The dal was cold and the rice undercooked.",
                created_at=created_at,
                updated_at=created_at,
            ),
            terms=terms,
        )
        for mess in messes
    ]
    Feedback.objects.bulk_create(entries)
    return list(Feedback.objects.filter(date=date, meal=MEAL, mess__in=messes).values_list("pk", flat=True))


def measure(
    *,
    clusters: int = CLUSTERS,
    workers: int = WORKERS,
    accept_seconds: float = ACCEPT_SECONDS,
    redis_url: str | None = None,
    timeout: float = 300,
) -> dict:
    if connection.vendor != "mysql":
        return {"skipped": "measured on MariaDB, with Redis, as several machines would run it"}
    redis_url = redis_url or os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    _redis_queue_clear(redis_url)
    Schedule.objects.filter(name=SCHEDULE).delete()
    began = timezone.now()
    first_run = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_email = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    messes = list(Mess.objects.filter(is_active=True).order_by("code"))
    window = MealWindow.objects.get(mess__isnull=True, meal=MEAL)
    mail = SlowMailServer(accept_seconds=accept_seconds)
    mail.thread.start()
    logs = [WORK / f"fanout-cluster-{i}.log" for i in range(clusters)]
    for log in logs:
        log.write_text("")
    env = {"LOG_LEVEL": "INFO", "REDIS_URL": redis_url, "EMAIL_URL": mail.url, "Q_WORKERS": str(workers)}
    processes = [start(["manage.py", "qcluster"], log=log, **env) for log in logs]
    entries, ends = [], None
    try:
        if not _wait_for(logs, "running.", timeout=90):
            raise RuntimeError(f"the clusters did not start; see {logs}")
        # The meal ends at the next whole minute at least 20 s away, as a window's end does.
        local = timezone.localtime() + datetime.timedelta(seconds=20)
        ends = (local + datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)
        if ends.time() < datetime.time(0, 31):
            raise RuntimeError("too close to midnight for a meal window that ends today: run it again after 00:31")
        MealWindow.objects.filter(pk=window.pk).update(starts_at=(ends - datetime.timedelta(minutes=30)).time(), ends_at=ends.time())
        entries = _critical_entries(messes=messes, date=ends.date(), created_at=ends - datetime.timedelta(minutes=5))
        Schedule.objects.create(
            name=SCHEDULE,
            func=RUNNER,
            args=repr("send_admin_notifications"),
            kwargs=repr({"meal": MEAL, "ends_at": f"{ends:%H:%M}"}),
            schedule_type=Schedule.CRON,
            cron=f"{ends.minute} {ends.hour} * * *",
            repeats=1,
            next_run=ends,
        )
        deadline = time.monotonic() + (ends - timezone.now()).total_seconds() + timeout
        done_at = None
        while time.monotonic() < deadline:
            if len(mail.accepted) >= len(messes):
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at >= 10:  # and nothing more comes after it
                    break
            time.sleep(0.5)
    finally:
        ended = stop(processes, timeout=60)
        mail.shutdown()
        mail.server_close()

    accepted = sorted(mail.accepted)
    ids = [message_id for _, message_id in accepted]
    after = [at - ends.timestamp() for at, _ in accepted] if ends else []
    runs = list(JobRun.objects.filter(pk__gt=first_run, job="send_admin_notifications"))
    parts = [p for run in runs for p in run.parts.all()]
    emails = OutgoingEmail.objects.filter(pk__gt=first_email, kind="notification")
    errors = sum(log.read_text(errors="replace").count(" ERROR ") for log in logs)
    result = {
        "messes": len(messes),
        "clusters": clusters,
        "workers_per_cluster": workers,
        "accept_seconds": accept_seconds,
        "messages_accepted": len(accepted),
        "messages_distinct": len(set(ids)),
        "messages_accepted_twice_or_more": len(ids) - len(set(ids)),
        "first_accepted_after_end_s": round(after[0], 1) if after else None,
        "half_accepted_after_end_s": round(percentile(after, 50), 1) if after else None,
        "last_accepted_after_end_s": round(after[-1], 1) if after else None,
        "one_after_another_would_take_s": round(len(messes) * accept_seconds, 1),
        "runs": len(runs),
        "run_outcomes": sorted(run.outcome for run in runs),
        "parts": len(parts),
        "parts_succeeded": sum(p.outcome == Outcome.SUCCEEDED for p in parts),
        "hosts": len({p.host for p in parts}),
        "emails_stored": emails.count(),
        "emails_sent": emails.filter(sent_at__isnull=False).count(),
        "entries_notified": Feedback.objects.filter(pk__in=entries, notified_at__isnull=False).count(),
        "log_errors": errors,
        "clusters_ended": ended,
    }
    # What the run added goes; the meal's window comes back.
    Feedback.objects.filter(pk__in=entries).delete()
    if ends:
        Notification.objects.filter(date=ends.date(), meal=MEAL).delete()
    OutgoingEmail.objects.filter(pk__gt=first_email).delete()
    JobRun.objects.filter(pk__gt=first_run).delete()
    Schedule.objects.filter(name=SCHEDULE).delete()
    Task.objects.filter(started__gte=began).delete()
    OrmQ.objects.all().delete()
    MealWindow.objects.filter(pk=window.pk).update(starts_at=window.starts_at, ends_at=window.ends_at)
    _redis_queue_clear(redis_url)
    return result
