"""django-q2's `qcluster`, with ManageIt's scheduler (scheduling/scheduler.py) running in its main
process for as long as the cluster does, in place of django-q2's 30-second pass."""

import logging
import os

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
        cluster = Cluster(get_broker())
        cluster.start()
        # A SIGTERM or SIGINT reaches the cluster's handler in this thread: it stops the workers
        # and the sentinel, and the loop ends with them.
        scheduler_loop(alive=lambda: cluster.sentinel is not None and cluster.sentinel.is_alive(), broker=cluster.broker)
        if cluster.sentinel is not None and cluster.sentinel.exitcode not in (0, None):
            logger.error("the cluster's sentinel stopped with exit code %s", cluster.sentinel.exitcode)
