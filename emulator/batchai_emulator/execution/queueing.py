"""The queued jobs of one cluster, in the order they start: higher priority first, then first come first served."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class QueueEntry:
    sort_key: tuple[int, float, int]  # (-priority, submission timestamp, submission sequence)
    job_key: str = field(compare=False)
    node_count: int = field(compare=False)


def queue_entry(job_key: str, priority: int, submitted: float, sequence: int, node_count: int) -> QueueEntry:
    return QueueEntry((-priority, submitted, sequence), job_key, node_count)


class JobQueue:
    def __init__(self) -> None:
        self._entries: list[QueueEntry] = []

    def __len__(self) -> int:
        return len(self._entries)

    def push(self, entry: QueueEntry) -> None:
        bisect.insort(self._entries, entry)

    def remove(self, job_key: str) -> bool:
        for index, entry in enumerate(self._entries):
            if entry.job_key == job_key:
                del self._entries[index]
                return True
        return False

    def keys(self) -> list[str]:
        return [entry.job_key for entry in self._entries]

    def startable(self, free_nodes: int, most_nodes: int) -> list[QueueEntry]:
        """The jobs to start now, in order, with ``free_nodes`` idle slots.

        Strict order: the first job that does not fit waits and so does everything behind it, so that a big
        job is not starved by small ones. A job needing more nodes than the cluster can ever have
        (``most_nodes``) cannot block the queue: it waits, the others pass it.
        """
        chosen = []
        for entry in self._entries:
            if entry.node_count > most_nodes:
                continue
            if entry.node_count > free_nodes:
                break
            chosen.append(entry)
            free_nodes -= entry.node_count
        return chosen

    def demand(self, most_nodes: int) -> int:
        """Nodes the queued jobs want (those that could ever fit), for auto-scale."""
        return sum(entry.node_count for entry in self._entries if entry.node_count <= most_nodes)
