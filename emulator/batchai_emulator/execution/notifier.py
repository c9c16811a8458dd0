"""Delivers the executor's events to the ARM layer from one thread of its own, in the order they happened.

The executor never calls back while holding its lock, and a slow or failing callback cannot stall scheduling
or a job: events wait in a queue. An event about a job that has been deleted since is dropped, so that a
deleted job never comes back through a late callback.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from ._contract import ClusterStatus, ExecutorEvents, JobStateChange

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(self, events: ExecutorEvents) -> None:
        self._events = events
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._deliver, name="batchai-exec-events", daemon=True)
        self._thread.start()

    def job(self, change: JobStateChange, still_wanted: Callable[[], bool] = lambda: True) -> None:
        def deliver() -> None:
            if still_wanted():
                self._events.job_state_changed(change)

        self._queue.put(deliver)

    def cluster(self, cluster_id: str, status: ClusterStatus) -> None:
        self._queue.put(lambda: self._events.cluster_changed(cluster_id, status))

    def close(self, timeout: float) -> None:
        """Deliver what is queued, within ``timeout`` seconds, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _deliver(self) -> None:
        while (event := self._queue.get()) is not None:
            try:
                event()
            except Exception:  # the ARM layer's problem: report it and keep delivering
                logger.exception("an executor event callback failed")
