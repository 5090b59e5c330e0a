"""Probes for the machine's monitoring: no login, no personal data.

`/health/` is the site's own liveness, for a load balancer: 200 while the database answers, 503
otherwise; a failed job never takes the website down. `/health/jobs/` is for an uptime monitor: the
clusters' heartbeat and the schedules that are broken, late or failing, 200 when all is well and
503 otherwise."""

import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from scheduling.models import ClusterHeartbeat
from scheduling.selectors import clusters_running, jobs_health

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def health(request):
    try:
        ClusterHeartbeat.objects.exists()  # a query of the smallest table: the database answers
    except DatabaseError:
        logger.exception("health: the database does not answer")
        return JsonResponse({"ok": False, "database": "unreachable"}, status=503)
    return JsonResponse({"ok": True, "database": "ok"})


@never_cache
@require_safe
def health_jobs(request):
    try:
        state = jobs_health()
    except DatabaseError:
        logger.exception("health: the database does not answer")
        return JsonResponse({"ok": False, "database": "unreachable"}, status=503)
    body = {
        "ok": state.ok,
        "cluster": {"down": state.cluster_down, "heartbeat_at": state.heartbeat_at, "last_seen_at": state.last_seen_at},
        # Each running cluster (machine and process), so that one machine's going quiet shows.
        "clusters": [{"cluster": c.cluster, "heartbeat_at": c.seen_at} for c in clusters_running(now=state.now)],
        "broken": [s.name for s in state.schedules if s.broken],
        "late": [s.name for s in state.schedules if s.late and not s.broken],
        "failing": [s.name for s in state.schedules if s.failing],
        "schedules": len(state.schedules),
    }
    return JsonResponse(body, status=200 if state.ok else 503)
