"""ManageIt's SQLite backend: Django's, with its writers served first come, first served.

Why. SQLite lets one transaction write at a time, and ManageIt takes that lock when a transaction
begins (`BEGIN IMMEDIATE`, see the settings). A writer that finds it taken is not queued: SQLite's
busy handler sleeps and tries again (after 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 ms, then every
100 ms), and whoever asks while the lock happens to be free takes it. Under a steady crowd a writer
that has waited a while sleeps 100 ms between tries while fresh writers pass it, again and again:
with 20 students posting ratings back to back, one request waited 24 s in the issue's run, and in
the benchmark one save waited 2.5 s for the lock while the average one waited 24 ms
(docs/benchmarks.md, item 8). Shorter transactions make the lock free more often but do not end
this: the next writer is still whoever tries at the right moment.

What. Every transaction Django opens here (each outermost `atomic`, in the web workers, the
cluster's workers and the commands alike) first takes a ticket in a queue kept beside the database
(`<database>-writers`), waits until the writer before it has committed or rolled back, and only then
sends `BEGIN IMMEDIATE`, which then finds the lock free, or about to be (a writer outside the queue:
the sqlite3 shell, a statement outside any transaction). Its turn ends when its transaction does.
SQLite's lock still decides who writes: the queue only gives the order, so a queue that is wrong
(its file deleted meanwhile, a process killed half-way) costs fairness, never data.

How. The queue is made of fcntl byte-range locks (POSIX record locks) on that file, which the kernel
drops when their process ends, however it ends. Bytes 0-7 hold the next ticket: a writer locks them,
reads its ticket t, writes t + 1, locks byte FIRST + t (its own place, held until its transaction
ends) and unlocks bytes 0-7, all in microseconds. It then waits for byte FIRST + t - 1, the place of
the writer before it, in the kernel (no polling): the moment that writer's transaction ends, or its
process dies, the wait ends. POSIX locks belong to a process, not a thread, so the threads of one
process take turns on a threading lock first. A writer waits for its turn at most the database's
`timeout` (30 s, as SQLite would), then fails as SQLite does: "database is locked".

Why this and not the alternatives (docs/benchmarks.md, item 8, says which were measured): a lock
table would itself need SQLite's write lock; retrying `BEGIN IMMEDIATE` with a short timeout in an
order the application keeps needs shared state all the same, and polls; one plain file lock (all
waiters woken at each release, the first to run wins) is fairer than 100 ms sleeps but still not an
order. What the order costs: under saturation, fewer writes a second (29 against 76 in the calm
run), since each turn waits for the next writer's process to be scheduled, where SQLite let the one
running take the lock.

A turn lasts until the transaction's commit callbacks (`transaction.on_commit`) have run: what a
write hands over at its commit, in a short transaction of its own (scheduling's `job_soon`, after
each feedback save), is written in the same turn instead of queueing again behind every writer,
which halved the crowd's throughput (docs/benchmarks.md). So a commit callback must not do slow
work; ManageIt's only one is that hand-over.

It cannot deadlock with Django's transactions: a process takes its place only when an outermost
transaction begins, before `BEGIN` (a transaction in its commit callbacks keeps the turn it has),
and leaves it when that transaction ends; savepoints take nothing, so no process waits for the
queue while holding SQLite's lock. In-memory databases (one process) have no queue. MySQL/MariaDB
use Django's own backend, untouched: their locks are per row.
"""

import errno
import fcntl
import os
import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

TICKET_BYTES = 8  # bytes 0-7: the next ticket, little-endian
FIRST = 16  # the place of ticket t is the byte FIRST + t; FIRST - 1 is never locked (the place before ticket 0)


class WritersQueue:
    """The queue of writers of one database file, as this process sees it."""

    def __init__(self, path: str, *, mode: int = 0o644):
        self.path, self.mode = path, mode
        self.threads = threading.Lock()  # the threads of this process, one at a time
        self.fd: int | None = None
        self.pid = os.getpid()

    def _file(self) -> int:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, self.mode)
        return self.fd

    def enter(self, *, timeout: float) -> int:
        """Takes a ticket and returns it once every writer with an earlier ticket has left (or died);
        raises OperationalError after `timeout` seconds. Leave with `leave(ticket)`."""
        if not self.threads.acquire(timeout=timeout):
            raise OperationalError(f"database is locked: another thread of this process wrote for {timeout} s")
        ticket = None
        try:
            fd = self._file()
            fcntl.lockf(fd, fcntl.LOCK_EX, TICKET_BYTES, 0)
            try:
                raw = os.pread(fd, TICKET_BYTES, 0)
                ticket = int.from_bytes(raw, "little") if len(raw) == TICKET_BYTES else 0
                os.pwrite(fd, (ticket + 1).to_bytes(TICKET_BYTES, "little"), 0)
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, FIRST + ticket)
            finally:
                fcntl.lockf(fd, fcntl.LOCK_UN, TICKET_BYTES, 0)
            _wait_for(fd, FIRST + ticket - 1, timeout=timeout)
        except BaseException:
            if ticket is not None:
                fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, FIRST + ticket)
            self.threads.release()
            raise
        return ticket

    def leave(self, ticket: int) -> None:
        """Ends the turn of `ticket`: the writer after it goes on."""
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, FIRST + ticket)
        finally:
            self.threads.release()


def _wait_for(fd: int, place: int, *, timeout: float) -> None:
    """Returns once this process could lock byte `place` (then unlocked again): the writer there has
    left. The wait blocks in a thread of its own, so that it can end at `timeout`."""
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, place)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EAGAIN):
            raise
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, place)
        return
    done = threading.Event()
    guard = threading.Lock()
    state = {"granted": False, "abandoned": False, "error": None}

    def wait() -> None:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX, 1, place)
        except OSError as error:  # EDEADLK: the kernel sees a cycle of waiting processes; SQLite decides
            state["error"] = error
        else:
            with guard:
                if state["abandoned"]:
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, place)
                    return
                state["granted"] = True
        done.set()

    threading.Thread(target=wait, name="sqlite-writers-queue", daemon=True).start()
    done.wait(timeout)
    with guard:
        if not state["granted"] and state["error"] is None:
            state["abandoned"] = True
            raise OperationalError(f"database is locked: the writer before this one held it for {timeout} s")
    if state["granted"]:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, place)


_queues: dict[str, WritersQueue] = {}
_queues_lock = threading.Lock()


def writers_queue(database: str) -> WritersQueue:
    """This process's queue of the writers of `database` (a path). Its file is made readable and
    writable by those who may write the database, as SQLite makes its -wal and -shm files."""
    path = os.path.abspath(database) + "-writers"
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None or queue.pid != os.getpid():
            try:
                mode = os.stat(database).st_mode & 0o666
            except OSError:
                mode = 0o644
            queue = _queues[path] = WritersQueue(path, mode=mode)
        return queue


def _forget_queues() -> None:
    # A child process does not hold its parent's locks; it opens its own file and takes its own turns.
    _queues.clear()


os.register_at_fork(after_in_child=_forget_queues)


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's SQLite backend, each transaction taking its turn in the writers' queue first."""

    _turn: tuple[WritersQueue, int] | None = None

    def _queue(self) -> WritersQueue | None:
        if self.is_in_memory_db():
            return None
        name = str(self.settings_dict["NAME"])
        if name.startswith("file:"):
            name = name.removeprefix("file:").partition("?")[0]
        return writers_queue(name)

    def _start_transaction_under_autocommit(self):
        queue = self._queue() if self._turn is None else None  # in its commit hooks, a writer still has its turn
        if queue is not None:
            self._turn = (queue, queue.enter(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5))))
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None and turn[0].pid == os.getpid():
            turn[0].leave(turn[1])

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if not self.run_on_commit:  # else the turn ends once they have run (run_and_clear_commit_hooks)
                self._leave_queue()

    def run_and_clear_commit_hooks(self):
        try:
            super().run_and_clear_commit_hooks()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
