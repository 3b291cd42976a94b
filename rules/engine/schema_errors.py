"""Turn pydantic validation errors into ``file:line:column`` errors an administrator can act on."""

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from rules.engine.errors import RuleError
from rules.engine.yamldoc import Path, YamlDocument, child


def schema_errors(
    doc: YamlDocument, model_cls: type[BaseModel], exc: ValidationError
) -> list[RuleError]:
    """One RuleError per pydantic error, placed on the YAML node it concerns."""
    errors: list[RuleError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _data_path(doc.data, loc)
        kind = err["type"]
        message = str(err["msg"]).removeprefix("Value error, ")
        where = dotted(path)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _known_keys(model_cls, loc[:-1])
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            allowed = f"; allowed here: {', '.join(known)}" if known and not close else ""
            errors.append(doc.error(path, f"unknown key {key!r}{hint}{allowed}", at_key=True))
        elif kind == "missing":
            key = str(loc[-1])
            parent_path = path[:-1] if path and path[-1] == loc[-1] else path
            parent = f" in {dotted(parent_path)}" if parent_path else ""
            errors.append(
                doc.error(parent_path, f"missing required key {key!r}{parent}", at_key=True)
            )
        elif kind == "union_tag_not_found":
            errors.append(doc.error(path, f"{where}: missing key 'action'", at_key=True))
        elif kind == "union_tag_invalid" and (*path, "action") in doc.positions:
            errors.append(doc.error((*path, "action"), f"{where}.action: {message}"))
        else:
            at_key = len(loc) > 0 and loc[-1] == "[key]"
            at_model = isinstance(_value_at(doc.data, path), dict) and kind == "value_error"
            prefix = f"{where}: " if where else ""
            errors.append(doc.error(path, f"{prefix}{message}", at_key=at_key or at_model))
    return errors


def dotted(path: Path) -> str:
    """``scope[0].when`` for the path ``("scope", 0, "when")``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path:
    """The part of a pydantic ``loc`` that exists in the YAML data (union tags are dropped)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        found, value = child(current, part)
        if found:
            path.append(part)
            current = value
        elif isinstance(current, dict) and part != "[key]":
            if current.get("action") == part:
                continue
            path.append(part)
            current = None
    return tuple(path)


def _value_at(data: Any, path: Path) -> Any:
    current = data
    for part in path:
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            return None
    return current


def _known_keys(model_cls: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts, for 'did you mean' hints."""
    current: Any = model_cls
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    model = _model_of(current)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        arms = [a for a in get_args(annotation) if a is not type(None)]
        if len(arms) == 1:
            return _unwrap(arms[0])
    return annotation


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    model = _model_of(annotation)
    if model is not None:
        for name, info in model.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in (tuple, list) and args and isinstance(part, int):
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (Union, types.UnionType):
        for arm in args:
            arm_model = _model_of(arm)
            if arm_model is not None and _tag_of(arm_model) == part:
                return arm_model
    return None


def _tag_of(model: type[BaseModel]) -> Any:
    info = model.model_fields.get("action")
    if info is None:
        return None
    values = get_args(info.annotation)
    return values[0] if values else None
