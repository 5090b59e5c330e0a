"""The benchmarks' data: a university's messes with years of history, the same rows every time.

`bench_data_generate` fills an empty database with the messes, floors, students and officials of a
scale, and with `days` days of history ending `until`: the students' absences (some weekends at
home, a meal skipped now and then, a festival week a year), waste per floor and meal, feedback from
30 % of the students at every meal, the notifications and daily reports the jobs would have left, a
history of resolved alerts, 90 days of the run log, and menus for the week after `until`. Expired
menus are not generated (the clean-up job deletes them every night) and no alert is open (the
alerts job opens them). A few floors waste too much and a few meals are rated too low throughout,
so the alerts and notifications always have something to find.

It writes with raw multi-row inserts in one transaction, with explicit primary keys, so that ten
million rows load in minutes: no model instances, no reading back of generated keys. Feedback goes
in a month at a time, sorted by student (see BLOCK_DAYS). On MySQL and MariaDB the load session
turns off unique and foreign-key checks, as a dump would load.
"""

import datetime
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.template.loader import render_to_string

from mess.models import (
    DEFAULT_CUTOFF,
    Absence,
    Alert,
    AlertKind,
    DailyReport,
    Feedback,
    FeedbackCategory,
    Floor,
    Meal,
    MealWindow,
    Mess,
    NonVegItem,
    NonVegMenu,
    Notification,
    Profile,
    RegularMenu,
    Role,
    TemporaryMenu,
    WasteRecord,
)
from mess.reports import report_digest
from mess.triage import Verdict, critical_digest, terms_load, theme_names, triage
from mess.waste_value import BASELINE_DAYS, Goal, valued_data
from scheduling.models import JobRun, Outcome, Trigger

User = get_user_model()
UTC = datetime.UTC

SEED = 6  # the issue that asked for these benchmarks
RATING_SHARE = 0.3  # of a mess's students rate each meal
PASSWORD = "bench"  # every generated user's, for logging in by hand
ADMIN = "benchadmin"
RUN_LOG_DAYS = 90
MENU_DAYS = 7  # menus are generated for the days after `until`
BATCH = 50_000  # rows per multi-row insert
# Feedback is written a block of days at a time, by student: the indexes that begin with the
# student then take their rows one page after another instead of one page per row, which keeps
# the load fast when they outgrow the database's cache (MariaDB's default is 128 MB).
BLOCK_DAYS = 30


@dataclass(frozen=True)
class Scale:
    messes: int
    floors: int  # per mess
    students: int  # per mess
    days: int  # of history, ending `until`

    @property
    def raters(self) -> int:
        """Students of a mess who rate one meal."""
        return max(1, round(self.students * RATING_SHARE)) if self.students else 0

    def feedback_rows(self) -> int:
        return self.messes * self.days * len(Meal.values) * self.raters

    def waste_rows(self) -> int:
        return self.messes * self.floors * self.days * len(Meal.values)


SCALES = {
    "S": Scale(messes=2, floors=4, students=400, days=60),
    "M": Scale(messes=10, floors=4, students=400, days=365),
    "L": Scale(messes=20, floors=4, students=400, days=3 * 365),
    # An organisation of hundreds of dining halls (issue 22): ten times L's messes, a season of history.
    "XL": Scale(messes=200, floors=4, students=400, days=90),
}

FLOOR_NAMES = ["Ground", "First", "Second", "Third"]
WASTE_THRESHOLD_KG = "38.00"  # per recorded day
# Kilograms per floor and meal, (low, high): a normal floor's day stays under 38 kg whatever the
# draws (6+12+4+10 = 32), a wasteful floor's day goes over it whatever they are (9+16+6+13 = 44). Per
# diner (the default threshold, 150 g), a normal floor's week averages about 80 g, a wasteful one's 180 g.
NORMAL_KG = {"breakfast": (2, 6), "lunch": (5, 12), "snacks": (2, 4), "dinner": (4, 10)}
HIGH_KG = {"breakfast": (9, 12), "lunch": (16, 22), "snacks": (6, 9), "dinner": (13, 18)}
WASTEFUL_FLOORS = 0.15  # share of floors that waste too much throughout
LOW_RATED_MEALS = 0.15  # share of (mess, meal) pairs rated too low throughout
DINERS = {"breakfast": (50, 90), "lunch": (70, 100), "snacks": (30, 70), "dinner": (70, 100)}  # % of a floor's students
# Cumulative weights of the ratings 1 to 5: about 3.8 on average, and about 2.4 for a low-rated meal.
NORMAL_RATINGS = [3, 10, 35, 75, 100]
LOW_RATINGS = [20, 55, 85, 95, 100]
HYGIENE_SHARE = 0.02
COMMENT_SHARE = 0.12  # hygiene complaints included
STAMPS = 60  # distinct creation times per meal
# Absences, as mess.attendance's default habits have them: shares of a mess's students who go home a
# given weekend (Friday dinner to Sunday), who skip one meal of a day, and who go home for a festival
# week once a year; each said a day before its first meal's cut-off. Drawn with their own random
# generator, so that the rest of the history is the same rows as before there were absences.
WEEKEND_HOME, SKIP_A_MEAL, FESTIVAL_SHARE = 0.18, 0.04, 0.45
FESTIVAL_DAY = 300  # of the year: the festival week starts on it

FOOD, HYGIENE, SERVICE = FeedbackCategory.FOOD.value, FeedbackCategory.HYGIENE.value, FeedbackCategory.SERVICE.value
HYGIENE_COMMENTS = ["Found a hair in the curry.", "Plates were not washed properly.", "Tables were sticky and the floor was wet."]
LOW_COMMENTS = [
    (FOOD, "Rice was undercooked."),
    (FOOD, "Dal was watery and cold."),
    (FOOD, "Far too much oil in the sabzi."),
    (SERVICE, "Food ran out before the end of the meal."),
    (SERVICE, "Very long queue at the counter."),
]
MIDDLE_COMMENTS = ["It was okay.", "Average today.", "Could have been hotter."]
GOOD_COMMENTS = ["Loved the paneer today!", "Kheer was excellent.", "Good and hot, thanks.", "Nice variety this week."]
DISHES = {
    "breakfast": ["Poha", "Upma", "Idli", "Sambar", "Masala dosa", "Aloo paratha", "Curd", "Bread and butter", "Boiled eggs", "Tea"],
    "lunch": ["Rice", "Dal tadka", "Rajma", "Chole", "Aloo gobi", "Bhindi fry", "Chapati", "Curd", "Salad", "Rasam"],
    "snacks": ["Samosa", "Pakora", "Bread pakora", "Vada pav", "Biscuits", "Tea", "Coffee", "Banana"],
    "dinner": ["Rice", "Chapati", "Paneer butter masala", "Mix veg", "Dal makhani", "Jeera aloo", "Kadhi", "Gulab jamun", "Kheer"],
}
NONVEG_DISHES = [("Chicken curry", "90.00"), ("Egg curry", "45.00"), ("Fish fry", "110.00"), ("Mutton biryani", "150.00")]
JOBS = [  # job, hours it runs at (local), summary
    ("generate_alerts", list(range(24)), "3 active alerts (0 new, 0 resolved) in 20 messes"),
    ("cleanup_old_menu", [0], "deleted 0 temporary menus, 0 non-veg menus (0 items)"),
    ("prune_job_runs", [0], "deleted 6 run-log entries older than 90 days"),
    ("send_daily_report", [7], "stored 20 reports, e-mailed 20"),
]


@dataclass(frozen=True)
class BenchData:
    """What `bench_data_generate` wrote: rows per table, and a digest of every row in the order
    written (the same scale and `until` give the same digest, on any database)."""

    scale: Scale
    until: datetime.date
    rows: dict[str, int]
    digest: str
    seconds: float

    def __str__(self) -> str:
        s = self.scale
        counts = ", ".join(f"{n:,} {table}" for table, n in self.rows.items())
        return (
            f"generated {s.messes} messes x {s.floors} floors x {s.students} students, {s.days} days to {self.until} "
            f"in {self.seconds:.1f} s: {counts}; digest {self.digest}"
        )


def bench_database_empty() -> bool:
    """Whether the database has no mess and no user: the only state the benchmark data goes into."""
    return not Mess.objects.exists() and not User.objects.exists()


def bench_data_generate(*, scale: Scale, until: datetime.date, progress: Callable[[int], None] | None = None) -> BenchData:
    """Fills an empty database with `scale`'s messes and its `days` days of history ending `until`,
    in one transaction: all of it or, on any error, nothing. Deterministic: the same scale and
    `until` always write the same rows (see BenchData.digest). `progress`, if given, is called with
    the number of rows written as writing goes. Raises ValueError, writing nothing, if the database
    already has messes or users."""
    if not bench_database_empty():
        raise ValueError("the database already has messes or users; the benchmark data only goes into an empty one")
    started = time.perf_counter()
    with _load_session(), transaction.atomic():
        writer = _Writer(progress)
        _Generator(scale=scale, until=until, writer=writer).run()
        writer.close()
    if connection.vendor == "mysql" and not connection.in_atomic_block:
        # InnoDB refreshes its index statistics in the background some time after a bulk load;
        # until then its plans can differ from a long-running database's. Refresh them now.
        with connection.cursor() as cursor:
            for table in writer.rows:
                cursor.execute(f"ANALYZE TABLE {connection.ops.quote_name(table)}")
                cursor.fetchall()
    return BenchData(scale=scale, until=until, rows=writer.rows, digest=writer.digest.hexdigest(), seconds=time.perf_counter() - started)


class _load_session:
    """Settings of this connection for the load, put back afterwards. SQLite: a big page cache (the
    indexes stay in memory while they grow) and no fsync (a crash loses the whole load anyway).
    MySQL/MariaDB: no unique or foreign-key checks (the generated rows are correct by construction),
    which allows InnoDB's bulk insert into empty tables; it made no measurable difference at M."""

    def __enter__(self):
        self.restore = []
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite" and not connection.in_atomic_block:
                for pragma, value in (("cache_size", -1024 * 1024), ("synchronous", 0)):
                    cursor.execute(f"PRAGMA {pragma}")
                    self.restore.append(f"PRAGMA {pragma} = {cursor.fetchone()[0]}")
                    cursor.execute(f"PRAGMA {pragma} = {value}")
            elif connection.vendor == "mysql":
                cursor.execute("SELECT @@session.unique_checks, @@session.foreign_key_checks")
                unique, foreign = cursor.fetchone()
                self.restore.append(f"SET SESSION unique_checks = {int(unique)}, foreign_key_checks = {int(foreign)}")
                cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            for statement in self.restore:
                cursor.execute(statement)
        return False


class _Writer:
    """Buffers rows per table and writes them in multi-row inserts, counting and digesting them."""

    def __init__(self, progress: Callable[[int], None] | None):
        self.progress = progress
        self.digest = hashlib.sha256()
        self.rows: dict[str, int] = {}
        self.buffers: dict[type[models.Model], list[tuple]] = {}
        self.sql: dict[type[models.Model], str] = {}
        self.cursor = connection.cursor()

    def table(self, model: type[models.Model], fields: list[str]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        self.sql[model] = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        self.buffers[model] = []
        self.rows[model._meta.db_table] = 0

    def add(self, model: type[models.Model], row: tuple) -> None:
        buffer = self.buffers[model]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(model)

    def flush(self, model: type[models.Model]) -> None:
        rows = self.buffers[model]
        if not rows:
            return
        table = model._meta.db_table
        self.digest.update(f"{table}\n{rows!r}\n".encode())
        self.cursor.executemany(self.sql[model], rows)
        self.rows[table] += len(rows)
        self.buffers[model] = []
        if self.progress is not None:
            self.progress(len(rows))

    def flush_all(self) -> None:
        for model in list(self.buffers):
            self.flush(model)

    def close(self) -> None:
        self.flush_all()
        # Explicit keys leave PostgreSQL's sequences behind (SQLite and MySQL follow by themselves).
        for statement in connection.ops.sequence_reset_sql(no_style(), list(self.buffers)):
            self.cursor.execute(statement)
        self.cursor.close()


def _stamp(moment: datetime.datetime) -> str:
    """A datetime as Django stores it with USE_TZ: UTC, without the offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class _Generator:
    def __init__(self, *, scale: Scale, until: datetime.date, writer: _Writer):
        self.scale, self.until, self.w = scale, until, writer
        self.rng = random.Random(SEED)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.days = [until - datetime.timedelta(days=n) for n in range(scale.days - 1, -1, -1)]
        self.first_day = until - datetime.timedelta(days=max(scale.days, RUN_LOG_DAYS) - 1)
        self.windows = {w.meal: (w.starts_at, w.ends_at) for w in MealWindow.objects.all()}
        for meal in Meal.values:  # an admin may have deleted one; the default hours then
            self.windows.setdefault(meal, (datetime.time(7 + 4 * Meal.values.index(meal)), datetime.time(8 + 4 * Meal.values.index(meal))))
        self.meals = sorted(Meal.values, key=lambda meal: self.windows[meal][0])

    def local(self, day: datetime.date, at: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(day, at, tzinfo=self.zone)

    def run(self) -> None:
        w = self.w
        w.table(Mess, ["id", "code", "name", "is_active", "waste_threshold_kg", "rating_threshold", "alert_window_days", "kitchen_email"])
        w.table(Floor, ["id", "mess", "name"])
        w.table(
            User, ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined"]
        )
        w.table(Profile, ["id", "user", "mess", "since"])
        w.table(Profile.messes_served.through, ["id", "profile", "mess"])  # the mess each official serves
        w.table(Absence, ["id", "student", "mess", "first_day", "last_day", "meal", "known_at"])
        w.table(User.groups.through, ["id", "user", "group"])
        w.table(RegularMenu, ["id", "mess", "weekday", "meal", "dishes", "is_veg"])
        w.table(TemporaryMenu, ["id", "mess", "date", "meal", "dishes", "created_at"])
        w.table(NonVegMenu, ["id", "mess", "date", "meal", "created_at"])
        w.table(NonVegItem, ["id", "menu", "name", "price"])
        w.table(WasteRecord, ["id", "floor", "date", "meal", "total_kg", "diners", "recorded_by", "recorded_at"])
        w.table(
            Feedback,
            ["id", "student", "mess", "date", "meal", "rating", "category", "comment", "created_at", "updated_at", "notified_at"]
            + ["is_critical", "critical_why", "critical_themes"],
        )
        w.table(
            Notification,
            ["id", "mess", "date", "meal", "critical_count", "average_rating", "comments", "digest", "summary"]
            + ["created_at", "updated_at", "read_at"],
        )
        w.table(DailyReport, ["id", "mess", "date", "data", "text_body", "html_body", "created_at", "updated_at", "emailed_at"])
        w.table(
            Alert,
            ["id", "mess", "kind", "subject", "value", "threshold", "basis", "window_start", "window_end"]
            + ["first_seen_at", "last_seen_at", "resolved_at", "is_open", "acknowledgement"],
        )
        w.table(JobRun, ["id", "job", "trigger", "arguments", "started_at", "finished_at", "outcome", "summary", "traceback", "host"])

        self.people_and_places()
        self.menus()
        self.alert_history()
        self.run_log()
        w.flush_all()  # what the history refers to is written first (MySQL checks keys as rows arrive)
        self.history()
        self.absences()

    def people_and_places(self) -> None:
        s, rng, w = self.scale, self.rng, self.w
        password = make_password(PASSWORD, salt="manageitbench")  # one fixed hash: hashing is slow on purpose
        joined = _stamp(self.local(self.first_day, datetime.time(9)))
        groups = dict(Group.objects.filter(name__in=Role.values).values_list("name", "id"))
        user_id = 1
        w.add(User, (user_id, password, True, ADMIN, "Bench", "Admin", f"{ADMIN}@bench.example.org", True, True, joined))
        self.messes, self.officials, self.students, self.floors = [], {}, {}, {}
        floor_id = profile_id = member_id = 0
        for n in range(1, s.messes + 1):
            code = f"mess{n:02d}"
            w.add(Mess, (n, code, f"Mess {n}", True, WASTE_THRESHOLD_KG, "3.00", 7, ""))
            self.messes.append((n, code, f"Mess {n}"))
            names = [FLOOR_NAMES[i] if i < len(FLOOR_NAMES) else f"Floor {i}" for i in range(s.floors)]
            self.floors[n] = []
            for name in names:
                floor_id += 1
                w.add(Floor, (floor_id, n, name))
                self.floors[n].append((floor_id, name, rng.random() < WASTEFUL_FLOORS))
            people = [(f"{code}-official", "Official", Role.OFFICIAL)]
            people += [(f"{code}-s{i:04d}", f"Student{i}", Role.STUDENT) for i in range(1, s.students + 1)]
            self.students[n] = []
            for username, first_name, role in people:
                user_id += 1
                w.add(User, (user_id, password, False, username, first_name, code, f"{username}@bench.example.org", False, True, joined))
                profile_id += 1
                # every student eats at the mess since the history's first day (the forecast counts them)
                w.add(Profile, (profile_id, user_id, n, None if role == Role.OFFICIAL else self.days[0].isoformat()))
                member_id += 1
                w.add(User.groups.through, (member_id, user_id, groups[role]))
                if role == Role.OFFICIAL:
                    self.officials[n] = user_id
                    w.add(Profile.messes_served.through, (n, profile_id, n))
                else:
                    self.students[n].append(user_id)
        self.low_rated = {(n, meal) for n, _, _ in self.messes for meal in Meal.values if rng.random() < LOW_RATED_MEALS}

    def menus(self) -> None:
        rng, w = self.rng, self.w
        created = _stamp(self.local(self.until, datetime.time(12)))
        regular = temporary = nonveg = item = 0
        for n, _, _ in self.messes:
            for weekday in range(7):
                for meal in Meal.values:
                    regular += 1
                    w.add(RegularMenu, (regular, n, weekday, meal, "\n".join(rng.sample(DISHES[meal], 4)), True))
            for ahead in range(1, MENU_DAYS + 1):
                day = (self.until + datetime.timedelta(days=ahead)).isoformat()
                temporary += 1
                meal = rng.choice(Meal.values)
                w.add(TemporaryMenu, (temporary, n, day, meal, "\n".join(rng.sample(DISHES[meal], 5)), created))
                for meal in ("lunch", "dinner"):
                    nonveg += 1
                    w.add(NonVegMenu, (nonveg, n, day, meal, created))
                    for name, price in rng.sample(NONVEG_DISHES, 2):
                        item += 1
                        w.add(NonVegItem, (item, nonveg, name, price))

    def alert_history(self) -> None:
        """About one resolved low-rating episode per mess a month, a few days long."""
        rng, w = self.rng, self.w
        alert = 0
        for n, _, _ in self.messes:
            for start in range(rng.randrange(30), self.scale.days - 10, 30):
                first = self.days[start]
                last = first + datetime.timedelta(days=rng.randint(1, 4))
                alert += 1
                first_seen = _stamp(self.local(first, datetime.time(14)))
                resolved = _stamp(self.local(last + datetime.timedelta(days=1), datetime.time(9)))
                value = _cents(rng.randint(230, 299))
                w.add(
                    Alert,
                    (alert, n, AlertKind.LOW_RATING.value, rng.choice(Meal.values), value, "3.00", 7 * self.scale.raters)
                    + ((first - datetime.timedelta(days=6)).isoformat(), first.isoformat())
                    + (first_seen, _stamp(self.local(last, datetime.time(23))), resolved, None, ""),
                )

    def run_log(self) -> None:
        w = self.w
        run = 0
        for back in range(RUN_LOG_DAYS - 1, -1, -1):
            day = self.until - datetime.timedelta(days=back)
            schedules = [(job, hour, summary) for job, hours, summary in JOBS for hour in hours]
            schedules += [
                ("send_admin_notifications", self.windows[meal][1].hour, "4 notifications (4 new, 0 updated)") for meal in self.meals
            ]
            for job, hour, summary in sorted(schedules, key=lambda s: (s[1], s[0])):
                run += 1
                started = self.local(day, datetime.time(hour))
                finished = started + datetime.timedelta(seconds=2)
                w.add(
                    JobRun,
                    (
                        run,
                        job,
                        Trigger.SCHEDULE.value,
                        "{}",
                        _stamp(started),
                        _stamp(finished),
                        Outcome.SUCCEEDED.value,
                        summary,
                        "",
                        "bench:1",
                    ),
                )

    def absences(self) -> None:
        """The students' absences, about 34 a student a year, in a few random draws a mess and day."""
        rng, w = random.Random(f"{SEED} absences"), self.w
        absence_id = 0
        first_meal = self.meals[0]
        day_after = datetime.timedelta(days=1)
        for day in self.days:
            # said a day before the cut-off of the meal they begin with
            known = {
                meal: _stamp(self.local(day, self.windows[meal][0]) - datetime.timedelta(minutes=DEFAULT_CUTOFF, days=1))
                for meal in Meal.values
            }
            festival = day.timetuple().tm_yday == FESTIVAL_DAY
            for n, _, _ in self.messes:
                students = self.students[n]
                rows = []
                if day.weekday() == 4:
                    for student in rng.sample(students, round(len(students) * WEEKEND_HOME)):
                        rows.append((student, day, day, Meal.DINNER.value, known[Meal.DINNER]))
                        rows.append((student, day + day_after, day + 2 * day_after, "", known[first_meal]))
                for student in rng.sample(students, round(len(students) * SKIP_A_MEAL)):
                    meal = rng.choice(Meal.values)
                    rows.append((student, day, day, meal, known[meal]))
                if festival:
                    last_day = day + 6 * day_after
                    rows += [(s, day, last_day, "", known[first_meal]) for s in rng.sample(students, round(len(students) * FESTIVAL_SHARE))]
                for student, first_day, last_day, meal, known_at in rows:
                    absence_id += 1
                    w.add(Absence, (absence_id, student, n, first_day.isoformat(), last_day.isoformat(), meal, known_at))

    def verdict(self, rating: int, category: str, comment: str) -> Verdict:
        """mess.triage's verdict, as the feedback form would store it; the comments repeat, so cached."""
        key = (rating, category, comment)
        if key not in self.verdicts:
            self.verdicts[key] = triage(rating=rating, category=category, comment=comment, terms=self.terms)
        return self.verdicts[key]

    def history(self) -> None:
        s, rng, w = self.scale, self.rng, self.w
        self.terms, self.verdicts, names = terms_load(), {}, theme_names()
        waste_id = feedback_id = notification_id = report_id = 0
        raters, students = s.raters, s.students
        report_mess = {n: Mess(id=n, code=code, name=name) for n, code, name in self.messes}
        counted = {n: [] for n, _, _ in self.messes}  # (day, cents, diners) of each day with a head count: the goal's figures
        read_until = self.until - datetime.timedelta(days=2)
        block = []
        for number, day in enumerate(self.days, start=1):
            day_text = day.isoformat()
            stamps, ends = {}, {}
            for meal in Meal.values:
                starts_at, ends_at = self.local(day, self.windows[meal][0]), self.local(day, self.windows[meal][1])
                step = (ends_at - starts_at) / STAMPS
                stamps[meal] = [_stamp(starts_at + step * i) for i in range(STAMPS)]
                ends[meal] = (_stamp(ends_at), _stamp(ends_at + datetime.timedelta(minutes=1)), ends_at)
            for n, code, _ in self.messes:
                official = self.officials[n]
                by_floor, by_meal = {}, {}
                day_critical = []
                for floor_id, floor_name, wasteful in self.floors[n]:
                    kg_ranges = HIGH_KG if wasteful else NORMAL_KG
                    floor_cents = 0
                    for meal in Meal.values:
                        low, high = kg_ranges[meal]
                        cents = rng.randint(low * 100, high * 100)
                        share_low, share_high = DINERS[meal]
                        diners = students // max(1, s.floors) * rng.randint(share_low, share_high) // 100
                        waste_id += 1
                        w.add(WasteRecord, (waste_id, floor_id, day_text, meal, _cents(cents), diners, official, ends[meal][1]))
                        floor_cents += cents
                        kg, total_diners = by_meal.get(meal, (0, 0))
                        by_meal[meal] = (kg + cents, total_diners + diners)
                    by_floor[floor_name] = floor_cents
                ratings_by_meal = {}
                for meal in Meal.values:
                    if not raters:
                        continue
                    weights = LOW_RATINGS if (n, meal) in self.low_rated else NORMAL_RATINGS
                    chosen = sorted(rng.sample(range(students), raters))
                    ratings = rng.choices((1, 2, 3, 4, 5), cum_weights=weights, k=raters)
                    meal_stamps, (ended, notified, _) = stamps[meal], ends[meal]
                    critical_entries = []
                    for i, (index, rating) in enumerate(zip(chosen, ratings, strict=True)):
                        r = rng.random()
                        category, comment = FOOD, ""
                        if r < HYGIENE_SHARE:
                            category, comment = HYGIENE, HYGIENE_COMMENTS[int(r * 10007) % 3]
                        elif r < COMMENT_SHARE:
                            pick = int(r * 10007)
                            if rating <= 2:
                                category, comment = LOW_COMMENTS[pick % len(LOW_COMMENTS)]
                            elif rating == 3:
                                comment = MIDDLE_COMMENTS[pick % len(MIDDLE_COMMENTS)]
                            else:
                                comment = GOOD_COMMENTS[pick % len(GOOD_COMMENTS)]
                        verdict = self.verdict(rating, category, comment)
                        created = meal_stamps[i % STAMPS]
                        feedback_id += 1
                        block.append(
                            (feedback_id, self.students[n][index], n, day_text, meal, rating, category, comment, created, created)
                            + ((notified if verdict.critical else None), verdict.critical, verdict.why, json.dumps(verdict.themes))
                        )
                        if verdict.critical:
                            entry = Feedback(pk=feedback_id, comment=comment, critical_why=verdict.why, critical_themes=verdict.themes)
                            critical_entries.append((created, feedback_id, entry))
                    day_critical.extend(critical_entries)
                    # newest first, as the jobs read them
                    critical_entries = [entry for _, _, entry in sorted(critical_entries, key=itemgetter(0, 1), reverse=True)]
                    total = sum(ratings)
                    ratings_by_meal[meal] = (raters, total, len(critical_entries))
                    if critical_entries:
                        notification_id += 1
                        average = _cents((total * 100 * 2 + raters) // (raters * 2))  # half up
                        comments = [{"text": e.comment, "why": e.critical_why} for e in critical_entries if e.comment][:20]
                        digest = critical_digest(entries=critical_entries, theme_names=names)
                        w.add(
                            Notification,
                            (
                                notification_id,
                                n,
                                day_text,
                                meal,
                                len(critical_entries),
                                average,
                                json.dumps(comments),
                                json.dumps(digest),
                                "",
                            )
                            + (ended, ended, ends[meal][1] if day <= read_until else None),
                        )
                report_id += 1
                day_cents, day_diners = sum(kg for kg, d in by_meal.values() if d), sum(d for _, d in by_meal.values())
                if day_diners:
                    counted[n].append((day, day_cents, day_diners))
                data = _report_data(code=code, day=day, by_floor=by_floor, by_meal=by_meal, ratings=ratings_by_meal)
                data["valued"] = valued_data(mess=report_mess[n], kg=Decimal(sum(by_floor.values())) / 100)
                data["goal"] = _goal(counted[n], day=day, mess=report_mess[n]).sentence
                newest_first = [entry for _, _, entry in sorted(day_critical, key=itemgetter(0, 1), reverse=True)]
                data["critical"] = report_digest(entries=newest_first, theme_names=names)
                context = {"mess": report_mess[n], "date": day, "report": data}
                sent = _stamp(self.local(day + datetime.timedelta(days=1), datetime.time(7)))
                w.add(
                    DailyReport,
                    (report_id, n, day_text, json.dumps(data))
                    + (
                        render_to_string("emails/daily-report-body.txt", context),
                        render_to_string("emails/daily-report-body.html", context),
                    )
                    + (sent, sent, sent),
                )
            if number % BLOCK_DAYS == 0 or number == len(self.days):
                block.sort(key=itemgetter(1, 3, 4))  # student, date, meal
                for row in block:
                    w.add(Feedback, row)
                block = []


def _goal(counted: list[tuple[datetime.date, int, int]], *, day: datetime.date, mess: Mess) -> Goal:
    """The goal a daily report states (mess.waste_value.waste_goals_on): the first BASELINE_DAYS days
    with a head count against the 7 days ending `day`; `counted` holds each such day's cents and diners."""

    def grams(days) -> int | None:
        cents, diners = sum(c for _, c, _ in days), sum(d for _, _, d in days)
        return (cents * 10 * 2 + diners) // (diners * 2) if diners else None

    baseline = counted[:BASELINE_DAYS]
    week = [c for c in counted if day - datetime.timedelta(days=6) <= c[0] <= day]
    return Goal(
        baseline[0][0] if baseline else None,
        baseline[-1][0] if baseline else None,
        grams(baseline),
        grams(week),
        mess.waste_goal_percent,
        None,
    )


def _report_data(*, code: str, day: datetime.date, by_floor: dict, by_meal: dict, ratings: dict) -> dict:
    """A daily report's data, shaped as mess.reports.daily_reports_data makes it."""
    counted_cents = sum(kg for kg, diners in by_meal.values() if diners)
    diners = sum(d for _, d in by_meal.values())
    count = sum(r[0] for r in ratings.values())
    total = sum(r[1] for r in ratings.values())

    def per_diner(cents: int, diners: int) -> int | None:
        return (cents * 10 * 2 + diners) // (diners * 2) if diners else None

    def average(total: int, count: int) -> str | None:
        return _cents((total * 100 * 2 + count) // (count * 2)) if count else None

    return {
        "mess": code,
        "date": day.isoformat(),
        "waste_kg": _cents(sum(by_floor.values())),
        "grams_per_diner": per_diner(counted_cents, diners),
        "waste_by_floor": [{"floor": name, "kg": _cents(kg)} for name, kg in sorted(by_floor.items())],
        "waste_by_meal": [
            {
                "meal": meal.value,
                "label": str(meal.label),
                "kg": _cents(by_meal[meal.value][0]) if meal.value in by_meal else None,
                "diners": by_meal[meal.value][1] if meal.value in by_meal else None,
                "grams_per_diner": per_diner(*by_meal[meal.value]) if meal.value in by_meal else None,
            }
            for meal in Meal
        ],
        "feedback_count": count,
        "average_rating": average(total, count),
        "feedback_by_meal": [
            {
                "meal": meal.value,
                "label": str(meal.label),
                "count": ratings.get(meal.value, (0, 0, 0))[0],
                "average_rating": average(ratings[meal.value][1], ratings[meal.value][0]) if meal.value in ratings else None,
            }
            for meal in Meal
        ],
        "critical_count": sum(r[2] for r in ratings.values()),
        "alerts": [],
        "closed": None,  # the generated messes are never closed
    }
