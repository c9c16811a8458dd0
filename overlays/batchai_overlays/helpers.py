"""The lifecycle helpers of the sync operation groups, made from a version's generated methods.

A version's overlay (`batchai_overlays.<version>.operations`) binds them in its operation groups:

    class JobsOperations(_jobs_operations.JobsOperations):
        _kind = "job"
        create_and_wait = helpers.create_and_wait(_jobs_operations.JobsOperations.begin_create)

A helper takes the arguments of the generated method it is made from (on 2018-05-01 the workspace
and experiment names too, in the same places) plus its own keywords, and returns that version's
models; type checkers see exactly that. The logic is `lifecycle`'s flows: this module performs
their steps in the caller's thread. The long-running operations are polled here too, not in
azure-core's poller thread, so an interrupt (Ctrl-C) stops the wait and leaves no thread behind.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from azure.core.polling import LROPoller
from azure.mgmt.core.polling.arm_polling import ARMPolling

from . import lifecycle as core
from .lifecycle import Binding, BoundedPolling, Call, Finished, JobRun, PathCall, Poll, Sleep, StateTransition

S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")
FileT = TypeVar("FileT")
_Method = TypeVar("_Method", bound=Callable[..., Any])


class _Polling(BoundedPolling, ARMPolling):
    def _sleep(self, delay: float) -> None:
        self._clock.sleep(self._wait.bounded(delay))

    def update_status(self) -> None:
        super().update_status()
        self._show()

    def request_status(self, status_link: str) -> Any:
        self._bound_request()
        return super().request_status(status_link)


def _steps(group: Any, clock: core.Clock, flow: core.Flow[Any]) -> Generator[StateTransition[Any] | Finished]:
    """Perform a flow's steps in this thread; yield its transitions, then its result."""
    reply: Any = None
    error: Exception | None = None
    with closing(flow):
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(reply)
            except StopIteration as stop:
                yield Finished(stop.value)
                return
            reply, error = None, None
            if isinstance(step, StateTransition):
                yield step
                continue
            try:
                reply = _perform(group, clock, step)
            except Exception as caught:  # the flow decides: handled there, or raised from it
                error = caught


def _perform(group: Any, clock: core.Clock, step: Call | Sleep | Poll) -> Any:
    if isinstance(step, Sleep):
        return clock.sleep(step.seconds)
    if isinstance(step, Poll):
        step.polling.held = False
        return step.polling.run()
    result = getattr(group, step.name)(*step.args, **step.kwargs)
    return list(result) if step.collect else result


def _helper(name: str, method: Callable[..., Any], flow: Callable[..., Any], summary: str | None = None) -> Any:
    binding = Binding(PathCall(method), flow)

    def helper(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs = binding.precheck(self, args, kwargs)
        helper, clock, on_transition, steps = binding.prepare(self, args, kwargs, core.SystemClock, _Polling)
        with closing(helper.wait), closing(_steps(self, clock, steps)) as items:
            for item in items:
                if isinstance(item, Finished):
                    return item.value
                if on_transition is not None:
                    on_transition(item)

    return core.describe(helper, name, binding, summary)


def create_and_wait(
    begin_create: Callable[Concatenate[S, P], LROPoller[R]], summary: str | None = None
) -> Callable[Concatenate[S, P], R]:
    """`create_and_wait` of the operation group whose generated `begin_create` this is."""
    return cast(Callable[Concatenate[S, P], R], _helper("create_and_wait", begin_create, core.create, summary))


def delete_and_wait(begin_delete: Callable[Concatenate[S, P], LROPoller[None]]) -> Callable[Concatenate[S, P], None]:
    """`delete_and_wait` of the operation group whose generated `begin_delete` this is."""
    return cast(Callable[Concatenate[S, P], None], _helper("delete_and_wait", begin_delete, core.delete))


def terminate_and_wait(
    begin_terminate: Callable[Concatenate[S, P], LROPoller[None]], get: Callable[..., R]
) -> Callable[Concatenate[S, P], R]:
    """`jobs.terminate_and_wait`: the arguments of `begin_terminate`, the Job `get` returns."""
    return cast(Callable[Concatenate[S, P], R], _helper("terminate_and_wait", begin_terminate, core.terminate))


def wait_for_completion(get: _Method) -> _Method:
    """`jobs.wait_for_completion`: the arguments and the Job of the generated `get`."""
    return cast(_Method, _helper("wait_for_completion", get, core.wait_for_completion))


def run(
    begin_create: Callable[Concatenate[S, P], LROPoller[R]], list_output_files: Callable[..., Iterable[FileT]]
) -> Callable[Concatenate[S, P], JobRun[R, FileT]]:
    """`jobs.run`: the arguments of `begin_create`; the Job and the Files `list_output_files` lists."""
    return cast(Callable[Concatenate[S, P], JobRun[R, FileT]], _helper("run", begin_create, core.run))


def iter_states(get: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], Iterator[StateTransition[R]]]:
    """`jobs.iter_states`: the arguments of the generated `get`; the wait starts at the first `next()`."""
    binding = Binding(PathCall(get), core.follow)

    def iter_states(self: Any, *args: Any, **kwargs: Any) -> Iterator[StateTransition[Any]]:
        helper, clock, _, steps = binding.prepare(self, args, kwargs, core.SystemClock, _Polling)
        with closing(helper.wait), closing(_steps(self, clock, steps)) as items:
            for item in items:
                if isinstance(item, StateTransition):
                    yield item

    return cast(
        Callable[Concatenate[S, P], Iterator[StateTransition[R]]], core.describe(iter_states, "iter_states", binding)
    )
