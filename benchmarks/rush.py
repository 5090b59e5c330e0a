"""Item 4: the after-meal rush. 400 students of one mess, each signed in, open the feedback page and
post their rating within one minute, through gunicorn (several workers) on 127.0.0.1, while a
cluster runs a job on the same database (the alerts, every 5 seconds). Errors (any answer but the page and the redirect after a
saved post), latency, and whether every posted entry is in the database afterwards.

The students are signed in beforehand by writing their sessions directly: signing in hashes a
password on purpose slowly, which is not what is measured. Their feedback is on today's latest
meal that has started; before breakfast, breakfast is made to start at midnight for the run.
Everything the run adds is deleted afterwards and the meal window put back."""

import concurrent.futures
import random
import re
import threading
import time
import urllib.parse

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_q.models import Task

from benchmarks.common import (
    WORK,
    free_port,
    http_request,
    meal_window_restore,
    meals_started,
    percentile,
    sessions_create,
    start,
    stop,
    summary,
    wait_until_up,
)
from mess.models import Feedback, Mess, Role
from scheduling.models import JobRun
from scheduling.schedules import RUNNER
from scheduling.soon import job_enqueue

User = get_user_model()
STUDENTS = 400
SECONDS = 60
WORKERS = 4
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Student:
    """One student's visit: GET the form, POST a rating, expect the redirect back."""

    def __init__(self, *, port: int, session: str, meal: str, rating: int, comment: str):
        self.port, self.session, self.meal, self.rating, self.comment = port, session, meal, rating, comment
        self.get_s = self.post_s = None
        self.error = None

    def visit(self) -> None:
        cookies = {"sessionid": self.session}
        try:
            started = time.perf_counter()
            status, page, jar = http_request(self.port, "GET", "/feedback/", cookies=cookies)
            self.get_s = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"GET answered {status}")
            token = TOKEN.search(page)
            if token is None or "csrftoken" not in jar:
                raise RuntimeError("no CSRF token on the page")
            cookies["csrftoken"] = jar["csrftoken"].value
            body = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "meal": self.meal,
                    "rating": self.rating,
                    "category": "food",
                    "comment": self.comment,
                }
            )
            started = time.perf_counter()
            status, page, _ = http_request(self.port, "POST", "/feedback/", cookies=cookies, body=body)
            self.post_s = time.perf_counter() - started
            if status != 302:
                raise RuntimeError(f"POST answered {status}")
        except Exception as e:  # every failure is counted and reported, not raised
            self.error = f"{type(e).__name__}: {e}"


def measure(*, students: int = STUDENTS, seconds: float = SECONDS, workers: int = WORKERS) -> dict:
    mess = Mess.objects.order_by("code").first()
    crowd = list(User.objects.filter(profile__mess=mess, groups__name=Role.STUDENT).order_by("username")[:students])
    began = timezone.now()
    last_run = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    moved = None
    keys = []
    try:
        started_meals, moved = meals_started()
        meal = started_meals[-1].meal
        today = timezone.localdate()
        comment = f"rush {time.time():.0f}"
        keys = sessions_create(crowd)
        rng = random.Random(STUDENTS)
        port = free_port()
        visits = [_Student(port=port, session=key, meal=meal, rating=rng.randint(1, 5), comment=comment) for key in keys]
        offsets = sorted(rng.uniform(0, seconds) for _ in visits)
        took, ended = _rush(port=port, workers=workers, visits=visits, offsets=offsets)

        errors = [v.error for v in visits if v.error]
        saved = Feedback.objects.filter(student__in=crowd, date=today, meal=meal, comment=comment)
        stored = dict(saved.values_list("student_id", "rating"))
        # A post answered with the redirect whose entry is not stored, or stored with another rating.
        lost = sum(1 for student, v in zip(crowd, visits, strict=True) if v.error is None and stored.get(student.pk) != v.rating)
        runs = list(JobRun.objects.filter(pk__gt=last_run).values_list("job", "outcome"))
        posts = [v.post_s for v in visits if v.post_s is not None]
        return {
            "students": len(visits),
            "meal": meal,
            "gunicorn_workers": workers,
            "within_s": round(took, 1),
            "errors": len(errors),
            "error_examples": sorted(set(errors))[:5],
            "posts_saved": len(stored),
            "posts_lost": lost,
            "get": summary([v.get_s for v in visits if v.get_s is not None]),
            "post": summary(posts),
            "post_p99_ms": round(percentile(posts, 99) * 1000, 1),
            "job_runs_during": sorted({f"{job} {outcome}" for job, outcome in runs}),
            "job_runs_count": len(runs),
            "processes_ended": ended,
        }
    finally:
        Feedback.objects.filter(student__in=crowd, updated_at__gte=began).delete()
        Session.objects.filter(session_key__in=keys).delete()
        JobRun.objects.filter(pk__gt=last_run).delete()
        Task.objects.filter(func=RUNNER, started__gte=began).delete()
        meal_window_restore(moved)


def _rush(*, port: int, workers: int, visits: list[_Student], offsets: list[float]) -> tuple[float, list[str]]:
    """Starts gunicorn and a cluster, runs the visits at their offsets (seconds from the start) while
    the cluster runs the alerts job every 5 seconds, stops both. Returns how long the visits took
    and how the two processes ended."""
    logs = {"server": WORK / "rush-gunicorn.log", "cluster": WORK / "rush-cluster.log"}
    for log in logs.values():
        log.write_text("")
    server = start(
        ["-m", "gunicorn", "manageit.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "-"],
        log=logs["server"],
    )
    cluster = start(["manage.py", "qcluster"], log=logs["cluster"])
    stop_jobs = threading.Event()
    took = 0.0

    def jobs() -> None:
        while not stop_jobs.is_set():
            job_enqueue(key="generate_alerts")
            stop_jobs.wait(5)

    try:
        wait_until_up(port, timeout=60)
        t0 = time.monotonic()
        feeder = threading.Thread(target=jobs)
        feeder.start()

        def at_offset(pair):
            offset, visit = pair
            time.sleep(max(0.0, t0 + offset - time.monotonic()))
            visit.visit()

        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
            list(pool.map(at_offset, zip(offsets, visits, strict=True)))
        took = time.monotonic() - t0
        stop_jobs.set()
        feeder.join()
        time.sleep(2)  # the job running now finishes before the cluster is asked to stop
    finally:
        stop_jobs.set()
        ended = stop([server, cluster], timeout=60)
    return took, ended
