"""django-q2's `qcluster`, with ManageIt's scheduler (scheduling/scheduler.py) running in its main
process for as long as the cluster does, in place of django-q2's 30-second pass.

Stopping: django-q2's own handler stops the cluster from inside the signal handler, by setting an
event shared with the sentinel process. When the whole process group gets SIGTERM (systemd's
default, or `kill -TERM -PGID`), the sentinel and the workers die at once (they keep SIGTERM's
default action) and may leave that event's lock held, and the handler waited on it for ever. Here
a signal only asks the scheduler loop to end; the cluster is then stopped from the main thread,
gracefully while the sentinel lives (the workers finish their task, within the job timeout), and
not waited for once it is gone."""

import logging
import os
import signal
import threading

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
        cluster = Cluster(get_broker())  # installs django-q2's handlers, replaced here
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stopping.set())
        cluster.start()
        scheduler_loop(alive=lambda: not stopping.is_set() and cluster.sentinel.is_alive(), broker=cluster.broker)
        self._cluster_stop(cluster)

    def _cluster_stop(self, cluster: Cluster) -> None:
        if not cluster.sentinel.is_alive():
            if cluster.sentinel.exitcode not in (0, -signal.SIGTERM):
                logger.error("the cluster's sentinel stopped with exit code %s", cluster.sentinel.exitcode)
            return
        stopper = threading.Thread(target=cluster.stop, name="cluster-stop", daemon=True)
        stopper.start()
        while stopper.is_alive():
            stopper.join(0.5)
            if not cluster.sentinel.is_alive():
                stopper.join(5)  # the sentinel is gone: its event's lock may never come free
                break
