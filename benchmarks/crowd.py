"""Item 8: the embedded default under a crowd. 20 signed-in students of one mess rate today's meals
(a rating, a comment and a liked and a disliked dish of the menu) through gunicorn (4 sync workers)
on 127.0.0.1 for 60 s, while a cluster runs the jobs the saves hand it (each mess's fresh alerts):

- paced: each student posts a rating and reads the page about every 2 s (about 10 writes a second
  in all);
- saturating: each student posts back to back, the next POST as soon as the last is answered.

Measured: each request's latency (p50, p95, max), errors (any answer to a POST but the redirect
after a save, any failure), and afterwards every stored row: each student's entry of each meal
holds the rating, the comment and the dish votes of the last POST the site answered with the
redirect. Each worker also times the parts of every save (benchmarks.timings): the wait for the
write lock, how long the save held it, each step inside, and the hand-over of the fresh alerts.

The students' meals are those of today that have started (before breakfast, breakfast is made to
start at midnight for the run); everything the run adds is deleted afterwards."""

import datetime
import random
import re
import shutil
import statistics
import threading
import time
import urllib.parse

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_q.models import Schedule, Task

from benchmarks import common
from benchmarks.timings import timings_read
from mess.menus import menu_of_day
from mess.models import DishVote, Feedback, Mess, Role
from scheduling.models import JobRun
from scheduling.schedules import RUNNER
from scheduling.soon import SOON

User = get_user_model()
CLIENTS = 20
SECONDS = 60
WORKERS = 4
PERIOD = 2.0  # paced: seconds between one student's posts
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Student:
    """One student's minute: POSTs ratings of today's meals in turn, back to back or every PERIOD
    seconds (then also reading the page after each), until the deadline."""

    def __init__(self, *, number: int, port: int, session: str, dishes: dict[str, list[str]], paced: bool):
        self.number, self.port, self.session, self.dishes, self.paced = number, port, session, dishes, paced
        self.rng = random.Random(number)
        self.posts: list[float] = []
        self.gets: list[float] = []
        self.errors: list[str] = []
        self.last: dict[str, tuple[int, str, dict[str, bool]]] = {}  # meal -> what the last redirect answered
        self.unsure: set[str] = set()  # meals whose last POST failed: either value may be stored

    def _post(self, cookies: dict, token: str, n: int) -> None:
        meals = list(self.dishes)
        meal = meals[n % len(meals)]
        dishes = self.dishes[meal]
        rating = self.rng.randint(1, 5)
        comment = f"crowd {self.number} {n}"
        votes = {dishes[n % len(dishes)]: True, dishes[(n + 1) % len(dishes)]: False} if len(dishes) >= 2 else {}
        form = {"csrfmiddlewaretoken": token, "meal": meal, "rating": rating, "category": "food", "comment": comment}
        form |= {"liked": [d for d, liked in votes.items() if liked], "disliked": [d for d, liked in votes.items() if not liked]}
        started = time.perf_counter()
        try:
            body = urllib.parse.urlencode(form, doseq=True)
            status, _, _ = common.http_request(self.port, "POST", "/feedback/", cookies=cookies, body=body)
        except Exception as e:  # every failure is counted and reported, not raised
            status, error = None, f"{type(e).__name__}: {e}"
        else:
            error = None if status == 302 else f"POST answered {status}"
        self.posts.append(time.perf_counter() - started)
        if error is None:
            self.last[meal] = (rating, comment, votes)
            self.unsure.discard(meal)
        else:
            self.errors.append(error)
            self.unsure.add(meal)

    def _get(self, cookies: dict) -> str | None:
        started = time.perf_counter()
        try:
            status, page, jar = common.http_request(self.port, "GET", "/feedback/", cookies=cookies)
        except Exception as e:  # every failure is counted and reported, not raised
            status, page, jar, error = None, "", {}, f"{type(e).__name__}: {e}"
        else:
            error = None if status == 200 else f"GET answered {status}"
        self.gets.append(time.perf_counter() - started)
        if error is not None:
            self.errors.append(error)
            return None
        if "csrftoken" in jar:
            cookies["csrftoken"] = jar["csrftoken"].value
        token = TOKEN.search(page)
        return token.group(1) if token else None

    def run(self, *, t0: float, deadline: float) -> None:
        cookies = {"sessionid": self.session}
        token = self._get(cookies)  # the form and its CSRF token, once; not counted
        self.gets.clear()
        if token is None:
            self.errors.append("no form on the page")
            return
        next_at = t0 + (self.rng.uniform(0, PERIOD) if self.paced else 0)
        n = 0
        while True:
            if self.paced:
                time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= deadline:
                return
            self._post(cookies, token, n)
            if self.paced:
                self._get(cookies)
                next_at = max(time.monotonic(), next_at + PERIOD * self.rng.uniform(0.9, 1.1))
            n += 1


def measure_paced(*, clients: int = CLIENTS, seconds: float = SECONDS, workers: int = WORKERS) -> dict:
    return _crowd(clients=clients, seconds=seconds, workers=workers, paced=True)


def measure_saturating(*, clients: int = CLIENTS, seconds: float = SECONDS, workers: int = WORKERS) -> dict:
    return _crowd(clients=clients, seconds=seconds, workers=workers, paced=False)


def _crowd(*, clients: int, seconds: float, workers: int, paced: bool) -> dict:
    mess = Mess.objects.order_by("code").first()
    crowd = list(User.objects.filter(profile__mess=mess, groups__name=Role.STUDENT).order_by("username")[:clients])
    began = timezone.now()
    last_run = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    moved = None
    keys = []
    today = timezone.localdate()
    Feedback.objects.filter(student__in=crowd, date=today).delete()  # a run stopped half-way left them
    try:
        started_meals, moved = common.meals_started()
        menu = menu_of_day(mess=mess, date=today)
        dishes = {w.meal: list(menu.meal(w.meal).dishes) for w in started_meals}
        keys = common.sessions_create(crowd)
        port = common.free_port()
        students = [_Student(number=n, port=port, session=key, dishes=dishes, paced=paced) for n, key in enumerate(keys, start=1)]
        timings = common.WORK / "crowd-timings"
        shutil.rmtree(timings, ignore_errors=True)
        took, ended = _run(port=port, workers=workers, students=students, seconds=seconds, timings=timings)
        checked = _check(crowd=crowd, students=students, today=today)
        runs = list(JobRun.objects.filter(pk__gt=last_run).values_list("job", "outcome"))
        posts = [s for student in students for s in student.posts]
        errors = [e for student in students for e in student.errors]
        result = {
            "mode": "paced" if paced else "saturating",
            "clients": len(students),
            "gunicorn_workers": workers,
            "seconds": round(took, 1),
            "meals": dishes,
            "posts": len(posts),
            "posts_per_s": round(len(posts) / took, 1),
            "posts_per_client_min_max": [min(len(s.posts) for s in students), max(len(s.posts) for s in students)],
            "errors": len(errors),
            "error_examples": sorted(set(errors))[:5],
            **checked,
            "post": common.summary(posts),
            "post_p99_ms": round(common.percentile(posts, 99) * 1000, 1),
            "post_over_1s": sum(1 for s in posts if s > 1),
            "post_over_5s": sum(1 for s in posts if s > 5),
            "saves": _parts(timings_read(timings)),
            "job_runs_during": sorted({f"{job} {outcome}" for job, outcome in runs}),
            "job_runs_count": len(runs),
            "processes_ended": ended,
        }
        if paced:
            result["get"] = common.summary([s for student in students for s in student.gets])
        return result
    finally:
        Feedback.objects.filter(student__in=crowd, updated_at__gte=began).delete()
        Session.objects.filter(session_key__in=keys).delete()
        JobRun.objects.filter(pk__gt=last_run).delete()
        Task.objects.filter(func=RUNNER, started__gte=began).delete()
        Schedule.objects.filter(name__startswith=SOON).delete()
        common.meal_window_restore(moved)


def _check(*, crowd: list, students: list[_Student], today: datetime.date) -> dict:
    """Every entry a student was answered with the redirect for, against what is stored."""
    entries = Feedback.objects.filter(student__in=crowd, date=today)
    stored = {(f.student_id, f.meal): (f.rating, f.comment, f.pk) for f in entries}
    votes: dict[int, dict[str, bool]] = {}
    for feedback_id, dish, liked in DishVote.objects.filter(feedback__in=entries).values_list("feedback_id", "dish", "liked"):
        votes.setdefault(feedback_id, {})[dish] = liked
    checked = lost = unsure = 0
    for user, student in zip(crowd, students, strict=True):
        for meal, (rating, comment, voted) in student.last.items():
            if meal in student.unsure:
                unsure += 1
                continue
            checked += 1
            row = stored.get((user.pk, meal))
            if row is None or row[:2] != (rating, comment) or votes.get(row[2], {}) != voted:
                lost += 1
    return {"rows_stored": len(stored), "rows_checked": checked, "rows_wrong_or_lost": lost, "rows_after_a_failed_post": unsure}


def _parts(saves: list[dict]) -> dict:
    """Each part of the saves: mean, p95 and max in milliseconds over every save (0 where a save did
    not have it), and its share of the saves' total time."""
    if not saves:
        return {"n": 0}
    names = sorted({name for save in saves for name in save["parts"]})
    total = sum(save["save"] for save in saves)
    out = {"n": len(saves), "save": _ms([save["save"] for save in saves])}
    for name in names:
        values = [save["parts"].get(name, 0.0) for save in saves]
        out[name] = {**_ms(values), "share": round(sum(values) / total, 3)}
    return out


def _ms(values: list[float]) -> dict:
    return {
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
        "p95_ms": round(common.percentile(values, 95) * 1000, 2),
        "max_ms": round(max(values) * 1000, 1),
    }


def _run(*, port: int, workers: int, students: list[_Student], seconds: float, timings) -> tuple[float, list[str]]:
    """Starts gunicorn (its workers timing each save into `timings`) and a cluster, lets every student
    run for `seconds`, stops both. Returns how long the students took and how the processes ended."""
    logs = {"server": common.WORK / "crowd-gunicorn.log", "cluster": common.WORK / "crowd-cluster.log"}
    for log in logs.values():
        log.write_text("")
    server = common.start(
        [
            "-m",
            "gunicorn",
            "manageit.wsgi",
            "-c",
            "python:benchmarks.crowd_gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        log=logs["server"],
        BENCH_TIMINGS=str(timings),
    )
    cluster = common.start(["manage.py", "qcluster"], log=logs["cluster"])
    took = 0.0
    try:
        common.wait_until_up(port, timeout=60)
        time.sleep(2)  # every worker has loaded ManageIt
        t0 = time.monotonic()
        threads = [threading.Thread(target=s.run, kwargs={"t0": t0, "deadline": t0 + seconds}) for s in students]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - t0
        time.sleep(2)  # the job running now finishes before the cluster is asked to stop
    finally:
        ended = common.stop([server, cluster], timeout=60)
    return took, ended
