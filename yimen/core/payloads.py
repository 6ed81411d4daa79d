"""Event payloads: frozen dataclasses whose fields are checked against their annotations and stored as JSON.

The types a payload may use are the ones JSON carries plainly — str, int, float, bool, None — plus
`date` and `datetime` (stored in ISO 8601), tuples and lists of them, `dict[str, …]`, unions with None
and nested payload dataclasses. A payload class with another type is refused when its event is
defined, so a field's type says exactly what a handler reads back.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T")


class PayloadError(TypeError):
    """A payload that does not match its declared type: a programming error, raised where it is made."""


_SIMPLE: dict[Any, Callable[[Any], bool]] = {
    str: lambda v: isinstance(v, str),
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    bool: lambda v: type(v) is bool,
    type(None): lambda v: v is None,
    date: lambda v: isinstance(v, date) and not isinstance(v, datetime),
    datetime: lambda v: isinstance(v, datetime),
}
_hints: dict[type, dict[str, Any]] = {}


def _allowed(tp: Any) -> bool:
    if tp in _SIMPLE or (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return True
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict:
        return args[0] is str and _allowed(args[1])
    return origin in (typing.Union, types.UnionType, tuple, list) and all(
        arg is ... or _allowed(arg) for arg in args
    )


def hints(cls: type) -> dict[str, Any]:
    """The payload class's field annotations, resolved (once per class); a payload class that is not a
    frozen dataclass, or a field of a type JSON cannot carry plainly, is refused."""
    if cls not in _hints:
        if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):  # type: ignore[attr-defined]
            raise PayloadError(f"{cls.__name__} is not a frozen dataclass")
        found = typing.get_type_hints(cls)
        fields = {f.name: found[f.name] for f in dataclasses.fields(cls)}
        refused = [f"{name}: {tp!r}" for name, tp in fields.items() if not _allowed(tp)]
        if refused:
            raise PayloadError(f"{cls.__name__} has fields of types a payload may not use: {refused}")
        for tp in fields.values():
            for inner in nested(tp):
                hints(inner)
        _hints[cls] = fields
    return _hints[cls]


def nested(tp: Any) -> list[type]:
    """The payload dataclasses a field's type contains (a digest's rows)."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return [tp]
    return [found for arg in typing.get_args(tp) for found in nested(arg)]


def _matches(value: Any, tp: Any) -> bool:
    simple = _SIMPLE.get(tp)
    if simple is not None:
        return simple(value)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if origin is tuple and args[1:] != (...,):
        return isinstance(value, tuple) and len(value) == len(args) and all(map(_matches, value, args))
    if origin in (tuple, list):
        return isinstance(value, origin) and all(_matches(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            isinstance(k, str) and _matches(v, args[1]) for k, v in value.items()
        )
    return type(value) is tp and not errors(value)  # a nested payload dataclass (checked by `hints`)


def errors(payload: Any) -> list[str]:
    """The fields of `payload` whose values do not match their annotations ("field: expected, got")."""
    return [
        f"{name}: expected {describe(tp)}, got {getattr(payload, name)!r}"
        for name, tp in hints(type(payload)).items()
        if not _matches(getattr(payload, name), tp)
    ]


def dump(value: Any) -> Any:
    """A checked payload as JSON values: dates in ISO 8601, tuples as lists, dataclasses as objects."""
    if value is None or isinstance(value, str | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {key: dump(item) for key, item in value.items()}
    return value


def _load(value: Any, tp: Any) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _load(value, next(arg for arg in args if arg is not type(None)))
    if origin in (tuple, list) and isinstance(value, list):
        types_ = args if origin is tuple and args[1:] != (...,) else (args[0],) * len(value)
        return origin(_load(item, item_tp) for item, item_tp in zip(value, types_, strict=False))
    if origin is dict and isinstance(value, dict):
        return {key: _load(item, args[1]) for key, item in value.items()}
    if tp in (date, datetime) and isinstance(value, str):
        return tp.fromisoformat(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return load(tp, value)
    return value


def load(cls: type[T], data: dict[str, Any]) -> T:
    """The payload a stored JSON object holds, checked like a new one."""
    fields = hints(cls)
    if not isinstance(data, dict) or set(data) != set(fields):
        raise PayloadError(f"{cls.__name__} needs the fields {sorted(fields)}, the message has {data!r}")
    payload = cls(**{name: _load(data[name], tp) for name, tp in fields.items()})
    wrong = errors(payload)
    if wrong:
        raise PayloadError(f"{cls.__name__}: {'; '.join(wrong)}")
    return payload


def describe(tp: Any) -> str:
    """A field's type as the catalogue shows it: `int`, `date | None`, `tuple[OrganisationCards, ...]`."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(describe(arg) for arg in args)
    if origin is not None:
        return f"{origin.__name__}[{', '.join('...' if arg is ... else describe(arg) for arg in args)}]"
    return "None" if tp is type(None) else getattr(tp, "__name__", repr(tp))
