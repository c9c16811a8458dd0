"""A cluster's nodes as execution slots on this machine: scale settings, resizing and node states.

Pure bookkeeping with the time passed in: no threads, no processes. The executor asks it for free slots, tells
it which job holds which nodes, and moves time forward so that preparing nodes become idle and leaving nodes
disappear. Node states and their counts are the wire's (idle, running, preparing, unusable, leaving);
``currentNodeCount`` counts every node the cluster holds, so the state counts always add up to it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ._contract import ClusterStatus

DEALLOCATION_OPTIONS = ("requeue", "terminate", "waitforjobcompletion")


@dataclass(frozen=True)
class ScaleSettings:
    """A cluster's scaleSettings, either manual (a target) or auto-scale (min, max, initial)."""

    target: int | None = None  # manual
    deallocation: str = "requeue"  # manual: what happens to running jobs when the target shrinks
    minimum: int = 0  # auto-scale
    maximum: int = 0
    initial: int = 0

    @property
    def auto(self) -> bool:
        return self.target is None

    @property
    def most_nodes(self) -> int:
        """The largest node count these settings allow: a job needing more can never run."""
        return self.maximum if self.auto else self.target or 0

    @classmethod
    def from_properties(cls, properties: dict) -> ScaleSettings:
        """Read the wire scaleSettings (the same shape in every API version); no settings means no nodes."""
        scale = properties.get("scaleSettings") or {}
        if scale.get("autoScale"):
            auto = scale["autoScale"]
            minimum = max(0, int(auto.get("minimumNodeCount") or 0))
            maximum = max(minimum, int(auto.get("maximumNodeCount") or 0))
            return cls(minimum=minimum, maximum=maximum, initial=max(0, int(auto.get("initialNodeCount") or 0)))
        manual = scale.get("manual") or {}
        option = str(manual.get("nodeDeallocationOption") or "requeue").lower()
        # "unknown" (2017-09-01-preview, 2018-03-01) and anything unexpected behave as the documented default
        return cls(
            target=max(0, int(manual.get("targetNodeCount") or 0)),
            deallocation=option if option in DEALLOCATION_OPTIONS else "requeue",
        )


@dataclass
class Node:
    id: str
    state: str  # idle | running | preparing | leaving (unusable is never entered: local slots do not break)
    since: float  # when the node entered its state
    job: str | None = None
    allocated: int = 0  # allocation order, to pick the most recently started jobs first when shrinking
    remove_when_free: bool = False  # the cluster shrinks: this node leaves once its job lets it go


@dataclass(frozen=True)
class Timings:
    prepare: float
    leave: float
    autoscale_idle: float


@dataclass
class Preemption:
    """Jobs that must stop because the cluster shrank below the nodes they hold."""

    job_keys: list[str] = field(default_factory=list)
    requeue: bool = True  # requeue: they run again later; terminate: they end failed


class ClusterCapacity:
    """The nodes of one cluster."""

    def __init__(self, scale: ScaleSettings, timings: Timings, now: float) -> None:
        self.scale = scale
        self._timings = timings
        self._nodes: list[Node] = []
        self._names = itertools.count()
        self._allocations = itertools.count(1)
        first = min(max(scale.initial, scale.minimum), scale.maximum) if scale.auto else scale.target or 0
        self._resize_to(first, now)
        self.advance(now)

    # -- what the scheduler asks -------------------------------------------------------------------------

    def free_nodes(self) -> int:
        return sum(1 for node in self._nodes if node.state == "idle" and not node.remove_when_free)

    def nodes_of(self, job_key: str) -> list[str]:
        return [node.id for node in self._nodes if node.job == job_key]

    def status(self) -> ClusterStatus:
        counts = {state: 0 for state in ("idle", "running", "preparing", "unusable", "leaving")}
        for node in self._nodes:
            counts[node.state] += 1
        resizing = counts["preparing"] or counts["leaving"] or any(node.remove_when_free for node in self._nodes)
        return ClusterStatus(
            allocation_state="resizing" if resizing else "steady",
            current_node_count=len(self._nodes),
            node_state_counts={f"{state}NodeCount": count for state, count in counts.items()},
        )

    def next_deadline(self) -> float | None:
        """When advance() or autoscale() next has something to do, or None."""
        deadlines = [node.since + self._timings.prepare for node in self._nodes if node.state == "preparing"]
        deadlines += [node.since + self._timings.leave for node in self._nodes if node.state == "leaving"]
        if self.scale.auto and self._live_count() > self.scale.minimum:
            deadlines += [node.since + self._timings.autoscale_idle for node in self._nodes if node.state == "idle"]
        return min(deadlines, default=None)

    # -- what the scheduler does -------------------------------------------------------------------------

    def reconfigure(self, scale: ScaleSettings, now: float) -> Preemption:
        """New scale settings (cluster update): resize towards them; returns the jobs that must stop."""
        self.scale = scale
        if scale.auto:
            # initialNodeCount only applies at creation; keep the node count within the new bounds
            live = self._live_count()
            target = min(max(live, scale.minimum), scale.maximum)
            preemption = self._resize_to(target, now) if target != live else Preemption()
        else:
            preemption = self._resize_to(scale.target or 0, now)
        self.advance(now)
        return preemption

    def allocate(self, job_key: str, count: int, now: float) -> list[str]:
        """Give ``count`` idle nodes to a job (the caller checked free_nodes())."""
        chosen = [node for node in self._nodes if node.state == "idle" and not node.remove_when_free][:count]
        order = next(self._allocations)
        for node in chosen:
            node.state, node.since, node.job, node.allocated = "running", now, job_key, order
        return [node.id for node in chosen]

    def release(self, job_key: str, now: float) -> None:
        """A job ended: its nodes become idle, or leave if the cluster is shrinking."""
        for node in self._nodes:
            if node.job == job_key:
                node.job = None
                node.state = "leaving" if node.remove_when_free else "idle"
                node.remove_when_free = False
                node.since = now

    def advance(self, now: float) -> None:
        """Let time pass: preparing nodes become idle, leaving nodes are gone."""
        kept = []
        for node in self._nodes:
            if node.state == "preparing" and now >= node.since + self._timings.prepare:
                node.state, node.since = "idle", now
            if node.state == "leaving" and now >= node.since + self._timings.leave:
                continue
            kept.append(node)
        self._nodes = kept

    def autoscale(self, queued_demand: int, now: float) -> None:
        """Auto-scale: grow to fit the queued jobs (within max), give back nodes idle long enough (down to min)."""
        if not self.scale.auto:
            return
        busy = sum(1 for node in self._nodes if node.state == "running")
        wanted = min(max(busy + queued_demand, self.scale.minimum), self.scale.maximum)
        live = self._live_count()
        if wanted > live:
            self._add(wanted - live, now)
            return
        idle_enough = [
            node
            for node in self._nodes
            if node.state == "idle" and now >= node.since + self._timings.autoscale_idle and not node.remove_when_free
        ]
        for node in idle_enough[: max(0, live - wanted)]:
            node.state, node.since = "leaving", now

    # -- resizing ------------------------------------------------------------------------------------------

    def _live_count(self) -> int:
        """Nodes that stay: not leaving, not marked to leave."""
        return sum(1 for node in self._nodes if node.state != "leaving" and not node.remove_when_free)

    def _add(self, count: int, now: float) -> None:
        for _ in range(count):
            self._nodes.append(Node(id=f"tvm-{next(self._names):04d}", state="preparing", since=now))

    def _resize_to(self, target: int, now: float) -> Preemption:
        live = self._live_count()
        if target > live:
            # nodes already marked to leave are kept first, then new ones are prepared
            for node in self._nodes:
                if node.remove_when_free and target > live:
                    node.remove_when_free, live = False, live + 1
            self._add(target - live, now)
            return Preemption()
        return self._shrink(live - target, now)

    def _shrink(self, count: int, now: float) -> Preemption:
        """Remove ``count`` nodes: preparing ones first, then idle ones, then busy ones per the option."""
        for state in ("preparing", "idle"):
            for node in [n for n in self._nodes if n.state == state and not n.remove_when_free]:
                if count == 0:
                    break
                node.state, node.since, count = "leaving", now, count - 1
        if count == 0:
            return Preemption()
        busy = sorted(
            (node for node in self._nodes if node.state == "running" and not node.remove_when_free),
            key=lambda node: -node.allocated,  # the most recently started jobs lose the least work
        )
        victims: list[str] = []
        for node in busy[:count]:
            node.remove_when_free = True
            if node.job not in victims:
                victims.append(node.job or "")
        if self.scale.deallocation == "waitforjobcompletion":
            return Preemption()
        return Preemption(job_keys=victims, requeue=self.scale.deallocation == "requeue")
