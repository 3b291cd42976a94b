"""Walk a validated rule-file model and find what needs checking: CEL expressions (fields marked
with a Site), references (fields marked with Ref) and rule ids, each with its YAML path."""

import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from rules.engine.schema.common import Ref
from rules.engine.sites import Site
from rules.engine.yamldoc import Path

Marker = Site | Ref


@dataclass(frozen=True, slots=True)
class Marked:
    """A value in a rule file that a marker applies to."""

    path: Path
    value: str
    marker: Marker
    is_key: bool = False


def marked_values(model: BaseModel) -> list[Marked]:
    """Every CEL expression and reference in ``model``, in file order."""
    found: list[Marked] = []
    _walk(model, type(model), (), (), found, is_key=False)
    return found


def rule_ids(model: BaseModel) -> Iterator[tuple[Path, str]]:
    """(path of the ``id`` key, id) for every rule with an ``id`` in ``model``."""
    yield from _ids(model, ())


def _ids(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, BaseModel):
        if "id" in type(value).model_fields and isinstance(getattr(value, "id", None), str):
            yield (*path, "id"), value.id  # type: ignore[attr-defined]
        for name, info in type(value).model_fields.items():
            if name != "id":
                yield from _ids(getattr(value, name), (*path, info.alias or name))
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _ids(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _ids(item, (*path, key))


def _markers(metadata: Any) -> tuple[Marker, ...]:
    return tuple(m for m in metadata if isinstance(m, Site | Ref))


def _walk(
    value: Any,
    annotation: Any,
    markers: tuple[Marker, ...],
    path: Path,
    found: list[Marked],
    *,
    is_key: bool,
) -> None:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        _walk(value, base, markers + _markers(metadata), path, found, is_key=is_key)
        return
    if origin in (Union, types.UnionType) and value is not None:
        arms = [arm for arm in get_args(annotation) if arm is not type(None)]
        if len(arms) == 1:
            _walk(value, arms[0], markers, path, found, is_key=is_key)
            return
    if isinstance(value, str):
        found.extend(Marked(path, value, marker, is_key) for marker in markers)
        return
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            key = info.alias or name
            field_markers = _markers(info.metadata)
            _walk(
                getattr(value, name),
                info.annotation,
                field_markers,
                (*path, key),
                found,
                is_key=False,
            )
        return
    if value is None:
        return
    args = get_args(annotation)
    if origin in (tuple, list) and args:
        for index, item in enumerate(value):
            _walk(item, args[0], (), (*path, index), found, is_key=False)
    elif origin is dict and len(args) == 2:
        for key, item in value.items():
            _walk(key, args[0], (), (*path, key), found, is_key=True)
            _walk(item, args[1], (), (*path, key), found, is_key=False)
