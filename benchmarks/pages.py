"""Item 3: the mess dashboard (as the mess's official) and the overview (as an admin): server time
of each request through Django's full stack, in process, and its number of SQL queries. Run at S
and at L; benchmarks.run divides L by S. Also the time of one refresh_day_totals run, which the
overview depends on."""

import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.common import day_after_data, summary, timed
from benchmarks.data import ADMIN
from mess.models import Mess
from mess.overview import day_totals_refresh

User = get_user_model()
REQUESTS = 100
WARM_UP = 3
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(client: Client, url: str, *, requests: int) -> dict:
    seconds, queries = [], set()
    for i in range(WARM_UP + requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if i >= WARM_UP:
            seconds.append(elapsed)
            queries.add(len(captured.captured_queries))
    if len(queries) != 1:
        raise RuntimeError(f"GET {url} made a varying number of queries: {sorted(queries)}")
    return {"url": url, "queries": queries.pop(), "bytes": len(response.content), **summary(seconds)}


def measure(*, requests: int = REQUESTS) -> dict:
    mess = Mess.objects.order_by("code").first()
    official = User.objects.get(username=f"{mess.code}-official")
    admin = User.objects.get(username=ADMIN)
    with day_after_data():
        # As the hourly refresh_day_totals has by then: the overview reads the finished days from it.
        refresh_seconds, _ = timed(day_totals_refresh)
        as_official, as_admin = Client(), Client()
        as_official.force_login(official, backend=BACKEND)
        as_admin.force_login(admin, backend=BACKEND)
        try:
            return {
                "messes": Mess.objects.count(),
                "refresh_day_totals_ms": round(refresh_seconds * 1000, 1),
                "pages": {
                    "dashboard": _page(as_official, f"/mess/{mess.code}/", requests=requests),
                    "overview": _page(as_admin, "/overview/", requests=requests),
                },
            }
        finally:
            as_official.logout()  # and their sessions with them
            as_admin.logout()
