"""The lifecycle helpers of the async operation groups: the twins of `helpers`, on the same flows.

Same names, arguments, errors and results, awaited: `await client.jobs.run(...)`,
`async for transition in client.jobs.iter_states(...)`. They start no task of their own: every
request and sleep is awaited in the caller's task, so cancelling it (`task.cancel()`,
`asyncio.timeout`) stops the wait at once and leaves nothing running; the connection of a request
cut short is dropped by the transport, and the client closes as usual.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import aclosing, closing
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from azure.core.polling import AsyncLROPoller
from azure.mgmt.core.polling.async_arm_polling import AsyncARMPolling

from . import lifecycle as core
from .lifecycle import Binding, BoundedPolling, Call, Finished, JobRun, PathCall, Poll, Sleep, StateTransition

S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")
FileT = TypeVar("FileT")
Awaited = Awaitable[R]


class _Polling(BoundedPolling, AsyncARMPolling):
    async def _sleep(self, delay: float) -> None:
        await self._clock.sleep(self._wait.bounded(delay))

    async def update_status(self) -> None:
        await super().update_status()
        self._show()

    async def request_status(self, status_link: str) -> Any:
        self._bound_request()
        return await super().request_status(status_link)


async def _steps(group: Any, clock: core.AsyncClock, flow: core.Flow[Any]) -> AsyncGenerator[Any]:
    """Perform a flow's steps in this task; yield its transitions, then its result (`Finished`)."""
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
                reply = await _perform(group, clock, step)
            except Exception as caught:  # the flow decides: handled there, or raised from it
                error = caught


async def _perform(group: Any, clock: core.AsyncClock, step: Call | Sleep | Poll) -> Any:
    if isinstance(step, Sleep):
        return await clock.sleep(step.seconds)
    if isinstance(step, Poll):
        step.polling.held = False
        return await step.polling.run()
    result = getattr(group, step.name)(*step.args, **step.kwargs)
    return [item async for item in result] if step.collect else await result


def _helper(name: str, method: Callable[..., Any], flow: Callable[..., Any], summary: str | None = None) -> Any:
    binding = Binding(PathCall(method), flow)

    async def helper(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs = binding.precheck(self, args, kwargs)
        helper, clock, on_transition, steps = binding.prepare(self, args, kwargs, core.AsyncSystemClock, _Polling)
        with closing(helper.wait):
            async with aclosing(_steps(self, clock, steps)) as items:
                async for item in items:
                    if isinstance(item, Finished):
                        return item.value
                    if on_transition is not None:
                        on_transition(item)

    return core.describe(helper, name, binding, summary)


def create_and_wait(
    begin_create: Callable[Concatenate[S, P], Awaited[AsyncLROPoller[R]]], summary: str | None = None
) -> Callable[Concatenate[S, P], Awaited[R]]:
    """`create_and_wait` of the async operation group whose generated `begin_create` this is."""
    return cast(Callable[Concatenate[S, P], Awaited[R]], _helper("create_and_wait", begin_create, core.create, summary))


def delete_and_wait(
    begin_delete: Callable[Concatenate[S, P], Awaited[AsyncLROPoller[None]]],
) -> Callable[Concatenate[S, P], Awaited[None]]:
    """`delete_and_wait` of the async operation group whose generated `begin_delete` this is."""
    return cast(Callable[Concatenate[S, P], Awaited[None]], _helper("delete_and_wait", begin_delete, core.delete))


def terminate_and_wait(
    begin_terminate: Callable[Concatenate[S, P], Awaited[AsyncLROPoller[None]]], get: Callable[..., Awaited[R]]
) -> Callable[Concatenate[S, P], Awaited[R]]:
    """`jobs.terminate_and_wait`: the arguments of `begin_terminate`, the Job `get` returns."""
    return cast(Callable[Concatenate[S, P], Awaited[R]], _helper("terminate_and_wait", begin_terminate, core.terminate))


def wait_for_completion(get: Callable[Concatenate[S, P], Awaited[R]]) -> Callable[Concatenate[S, P], Awaited[R]]:
    """`jobs.wait_for_completion`: the arguments and the Job of the generated `get`."""
    return cast(Callable[Concatenate[S, P], Awaited[R]], _helper("wait_for_completion", get, core.wait_for_completion))


def run(
    begin_create: Callable[Concatenate[S, P], Awaited[AsyncLROPoller[R]]],
    list_output_files: Callable[..., AsyncIterable[FileT]],
) -> Callable[Concatenate[S, P], Awaited[JobRun[R, FileT]]]:
    """`jobs.run`: the arguments of `begin_create`; the Job and the Files `list_output_files` lists."""
    return cast(Callable[Concatenate[S, P], Awaited[JobRun[R, FileT]]], _helper("run", begin_create, core.run))


def iter_states(
    get: Callable[Concatenate[S, P], Awaited[R]],
) -> Callable[Concatenate[S, P], AsyncIterator[StateTransition[R]]]:
    """`jobs.iter_states`: the arguments of the generated `get`; use it with `async for` (or `aclose()` it)."""
    binding = Binding(PathCall(get), core.follow)

    async def iter_states(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[StateTransition[Any]]:
        helper, clock, _, steps = binding.prepare(self, args, kwargs, core.AsyncSystemClock, _Polling)
        with closing(helper.wait):
            async with aclosing(_steps(self, clock, steps)) as items:
                async for item in items:
                    if isinstance(item, StateTransition):
                        yield item

    return cast(
        Callable[Concatenate[S, P], AsyncIterator[StateTransition[R]]],
        core.describe(iter_states, "iter_states", binding),
    )
