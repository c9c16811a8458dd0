"""Client-side validation of definitions, before any request (issue 3), for every API version.

`begin_create` (jobs, clusters, file servers, workspaces, experiments) and `clusters.update` check
the names in the URL and the definition first, and raise one `ValidationError` listing every problem;
nothing is sent. A version's overlay binds the check to its generated methods with `validated`. `validate=False` skips the check (for a service that accepts more than this SDK
knows). The same check runs on its own with `validate_definition(definition)`, on a model of any
API version.

Two kinds of problems are found: the spec's own constraints (required properties, patterns,
lengths, ranges), which the generated models and request builders carry, and the Batch AI rules of
`rules`, bound to the models of the definition's API version (`rules_of`).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from msrest.exceptions import DeserializationError
from msrest.exceptions import ValidationError as MsrestValidationError
from msrest.serialization import (
    Model,
    Serializer,
    attribute_key_case_insensitive_extractor,
    last_rest_key_case_insensitive_extractor,
    rest_key_case_insensitive_extractor,
)

from .errors import Problem, ValidationError
from .lifecycle import PathCall
from .rules import RULES, Check, at

__all__ = ["validate_definition", "validated"]


def validate_definition(definition: Model) -> list[Problem]:
    """Every problem of a definition (e.g. a `JobCreateParameters` of any API version), in
    request-body order; [] if none. Checks the spec's constraints on every model in it and the
    Batch AI rules that apply to its API version; sends nothing."""
    return list(_walk(definition, "", definition))


@functools.cache
def rules_of(models_module: str) -> dict[type[Model], tuple[Check, ...]]:
    """The rules bound to one API version's models (`batchai.v2018_05_01.models._models`): each rule
    for the version's class of its model's name, if the version has it, with the attributes it reads."""
    classes = vars(sys.modules[models_module])
    bound: dict[type[Model], list[Check]] = {}
    for each in RULES:
        model = classes.get(each.model)
        if isinstance(model, type) and issubclass(model, Model) and set(each.reads) <= set(model._attribute_map):
            bound.setdefault(model, []).append(each.check)
    return {model: tuple(checks) for model, checks in bound.items()}


def _walk(node: Any, path: str, root: Model) -> Iterator[Problem]:
    if isinstance(node, Model):
        yield from _spec_constraints(node, path)
        for check in rules_of(type(node).__module__).get(type(node), ()):
            yield from check(node, path, root)
        for attribute in node._attribute_map:
            yield from _walk(getattr(node, attribute, None), at(path, node, attribute), root)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]", root)
    elif isinstance(node, dict):
        for name, item in node.items():
            yield from _walk(item, f"{path}.{name}", root)


def _spec_constraints(model: Model, path: str) -> Iterator[Problem]:
    """The spec's constraints as the generated model carries them in `_validation` (values not shown)."""
    for attribute, constraints in model._validation.items():
        if constraints.get("readonly"):
            continue  # never sent
        for name, limit in constraints.items():
            try:
                Serializer.validate(getattr(model, attribute, None), attribute, **{name: limit})
            except MsrestValidationError as error:
                if error.rule != "unknown":  # "unknown": a value of another type, the serializer's business
                    yield Problem(at(path, model, attribute), _reason(error))


def check_names(build_request: Callable[..., Any], **names: Any) -> list[Problem]:
    """Check path parameters against the spec's pattern and lengths, which the generated request
    builder applies: each name is tried alone, the others replaced by a valid placeholder."""
    problems = []
    for parameter, value in names.items():
        probe = {**dict.fromkeys(names, "x"), parameter: value}
        try:
            build_request(subscription_id="x", **probe)
        except MsrestValidationError as error:
            first, *rest = parameter.split("_")
            shown = "" if error.rule == "required" else f"{value!r} "
            problems.append(Problem(first + "".join(part.title() for part in rest), shown + _reason(error)))
    return problems


# Clearer than msrest's wording ("must have length less than 64" where 64 is allowed).
_WORDING = {
    "required": "is required but not set",
    "min_length": "must be at least {} characters long",
    "max_length": "must be at most {} characters long",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "pattern": "must match the pattern {}",
}


def _reason(error: MsrestValidationError) -> str:
    """Why a value broke a spec constraint, from msrest's error ("Parameter 'x' <reason>.")."""
    reason = str(error).split("' ", 1)[-1].rstrip(".")
    head = MsrestValidationError._messages.get(error.rule, "").split("{", 1)[0]
    if error.rule not in _WORDING or not reason.startswith(head):
        return reason
    limit = reason[len(head) :].replace("\\\\", "\\")  # the limit as msrest wrote it, with repr's doubled backslashes
    return _WORDING[error.rule].format(limit)


_DICT_KEY_EXTRACTORS = [
    rest_key_case_insensitive_extractor,
    attribute_key_case_insensitive_extractor,
    last_rest_key_case_insensitive_extractor,
]


_Method = TypeVar("_Method", bound=Callable[..., Any])
VALIDATES = """

Checks the names in the URL and the definition first, and sends nothing if one is wrong (see
`batchai.validate_definition`).

:keyword bool validate: Check first (the default); False sends them as they are.
:raises ~batchai.ValidationError: before any request, listing every problem.
"""


def validated(method: _Method, model: str | None) -> _Method:
    """A generated `begin_create` or `update` that checks the names in the URL and the definition
    (a `model`, e.g. "JobCreateParameters", None for an operation without a body) before sending."""
    call = PathCall(method)
    operation = method.__name__.removeprefix("begin_")

    def check(group: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Raise `ValidationError` with every problem of a call; the keywords for the generated method."""
        kwargs = dict(kwargs)
        if not kwargs.pop("validate", True) or kwargs.get("continuation_token") is not None:
            return kwargs  # asked not to, or a resumed poller: it sends nothing
        names, body, _ = call.split(group, args, kwargs)
        problems = check_names(_request_builder(group, operation), **names)
        definition = body[0] if body else None
        if isinstance(definition, dict) and model is not None:  # msrest takes a dict shaped like the model
            try:
                definition = group._deserialize.dependencies[model].from_dict(
                    definition, key_extractors=_DICT_KEY_EXTRACTORS
                )
            except DeserializationError:
                definition = None  # not a definition: the serializer will say why
        if isinstance(definition, Model):  # raw bytes or a stream: cannot be looked into
            problems += validate_definition(definition)
        if problems:
            raise ValidationError(problems)
        return kwargs

    if inspect.iscoroutinefunction(method):

        async def checked_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            return await method(self, *args, **check(self, args, kwargs))

        wrapper: Any = checked_async
    else:

        def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
            return method(self, *args, **check(self, args, kwargs))

        wrapper = checked
    functools.update_wrapper(wrapper, method)
    wrapper.__doc__ = (method.__doc__ or "").rstrip() + VALIDATES
    *leading, keywords = call.signature.parameters.values()
    validate = inspect.Parameter("validate", inspect.Parameter.KEYWORD_ONLY, default=True, annotation="bool")
    wrapper.__signature__ = call.signature.replace(parameters=[*leading, validate, keywords])
    wrapper.check = check  # for `jobs.run`, which checks before it looks for an existing job
    return cast(_Method, wrapper)


def _request_builder(group: Any, operation: str) -> Callable[..., Any]:
    """The generated request builder `build_<operation>_request` of an operation group."""
    for klass in type(group).__mro__:
        builder = getattr(sys.modules.get(klass.__module__), f"build_{operation}_request", None)
        if builder is not None:
            return cast(Callable[..., Any], builder)
    raise LookupError(f"{type(group).__name__} has no request builder for {operation!r}")
