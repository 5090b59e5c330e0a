"""django-q2's `qcluster`, with scheduling's own scheduler (scheduling/scheduler.py) running in its main
process for as long as the cluster does, in place of django-q2's 30-second pass.

Stopping: django-q2's own handler stops the cluster from inside the signal handler, by setting an
event shared with the sentinel process. When the whole process group gets SIGTERM (systemd's
default, or `kill -TERM -PGID`), the sentinel and the workers die at once (they keep SIGTERM's
default action) and may leave that event's lock held, and the handler waited on it for ever. Here
a signal only asks the scheduler loop to end; the cluster is then stopped from the main thread,
gracefully while the sentinel lives (the workers finish their task, within the job timeout), and
not waited for once it is gone."""

import contextlib
import ctypes
import logging
import os
import signal
import threading
import time

from django.core.management.base import CommandError
from django_q.brokers import get_broker
from django_q.cluster import Cluster
from django_q.management.commands import qcluster

from scheduling.scheduler import scheduler_loop

logger = logging.getLogger(__name__)


class Command(qcluster.Command):
    help = "Starts a cluster of workers that run the queued jobs, and the scheduler that queues each schedule's runs on time."

    def handle(self, *args, **options):
        if options.get("run_once"):
            return super().handle(*args, **options)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        stopping = threading.Event()
        _adopt_orphans()
        cluster = Cluster(get_broker())  # installs django-q2's handlers, replaced here
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stopping.set())
        cluster.start()
        try:
            scheduler_loop(alive=lambda: not stopping.is_set() and cluster.sentinel.is_alive(), broker=cluster.broker)
        finally:
            self._cluster_stop(cluster)
        if not stopping.is_set():
            # the cluster died by itself: a non-zero exit lets systemd (Restart=on-failure) or make run see it
            raise CommandError(f"the cluster stopped by itself (its sentinel exited with {cluster.sentinel.exitcode})", returncode=1)

    def _cluster_stop(self, cluster: Cluster) -> None:
        if not cluster.sentinel.is_alive():
            if cluster.sentinel.exitcode not in (0, -signal.SIGTERM):
                logger.error("the cluster's sentinel stopped with exit code %s", cluster.sentinel.exitcode)
            _orphans_stop()
            return
        stopper = threading.Thread(target=cluster.stop, name="cluster-stop", daemon=True)
        stopper.start()
        while stopper.is_alive():
            stopper.join(0.5)
            if not cluster.sentinel.is_alive():
                stopper.join(5)  # the sentinel is gone: its event's lock may never come free
                break


# PR_SET_CHILD_SUBREAPER (Linux): the workers of a sentinel that died become this process's
# children rather than init's, so that they can be found and stopped with it.
PR_SET_CHILD_SUBREAPER = 36


def _adopt_orphans() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: a dead sentinel's workers are left to the service manager
        pass


def _orphans_stop(*, wait: float = 10) -> None:
    """Stops the processes a dead sentinel left behind (its workers, monitor and pusher), which
    keep SIGTERM's default action and so end at once."""
    me = os.getpid()
    children = []
    for task in os.listdir(f"/proc/{me}/task") if os.path.isdir(f"/proc/{me}/task") else []:
        try:
            with open(f"/proc/{me}/task/{task}/children") as listing:
                children += [int(pid) for pid in listing.read().split()]
        except OSError:
            continue
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    for pid in children:
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
                time.sleep(0.05)
                continue
            break
