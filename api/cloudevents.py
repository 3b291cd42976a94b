"""CloudEvents 1.0 over HTTP: structured, binary and batch mode, checked attribute by attribute."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.problems import FieldError, Problem, bad_request
from models.events import InboundEvent

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
JSON = "application/json"
ACCEPTED_MEDIA_TYPES = (STRUCTURED, BATCH, JSON)
SPECVERSION = "1.0"
_LIMITS = {"id": 255, "source": 255, "type": 128, "subject": 255}


@dataclass(slots=True)
class ParsedEvent:
    """One event as received: the event if it is valid, else the errors naming each bad field."""

    body: dict[str, Any]
    event: InboundEvent | None = None
    errors: list[FieldError] = field(default_factory=list)


def media_type(content_type: str | None) -> str:
    """``application/cloudevents+json; charset=utf-8`` → ``application/cloudevents+json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_request(
    content_type: str | None, headers: Mapping[str, str], body: bytes
) -> tuple[list[ParsedEvent], bool]:
    """The request's events and whether it was a batch; Problem (415, 400) if it is unreadable."""
    kind = media_type(content_type)
    if kind not in ACCEPTED_MEDIA_TYPES:
        raise Problem(
            415,
            "unsupported-media-type",
            f"Content-Type {kind or '(none)'} is not accepted; send {STRUCTURED} (one event), "
            f"{BATCH} (a JSON array of events) or {JSON} with ce-* headers (binary mode)",
        )
    if kind == JSON and "ce-specversion" in headers:
        return [_binary(headers, body)], False
    document = _json(body)
    if kind == BATCH:
        if not isinstance(document, list):
            raise bad_request(
                "a batch is a JSON array of events", [FieldError("body", "must be an array")]
            )
        return [parse_event(item) for item in document], True
    if kind == JSON and not (isinstance(document, dict) and "specversion" in document):
        # Binary mode without its headers: name each missing one.
        return [_binary(headers, body)], False
    if not isinstance(document, dict):
        raise bad_request(
            "a structured event is a JSON object", [FieldError("body", "must be an object")]
        )
    return [parse_event(document)], False


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise bad_request(
            "the body is not UTF-8 text", [FieldError("body", str(exc))], slug="malformed-json"
        ) from exc
    except json.JSONDecodeError as exc:
        message = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise bad_request(
            "the body is not valid JSON", [FieldError("body", message)], slug="malformed-json"
        ) from exc


def parse_event(item: Any) -> ParsedEvent:
    """One event in structured mode (a JSON object), checked attribute by attribute."""
    if not isinstance(item, dict):
        return ParsedEvent({}, errors=[FieldError("event", "must be a JSON object")])
    errors: list[FieldError] = []
    if "data_base64" in item:
        errors.append(FieldError("data_base64", "binary data is not accepted: send data as JSON"))
    content_type = item.get("datacontenttype")
    if content_type is not None and not _is_json(content_type):
        errors.append(FieldError("datacontenttype", "must be application/json"))
    return _check(item, errors, header_hint=False)


def _binary(headers: Mapping[str, str], body: bytes) -> ParsedEvent:
    attributes: dict[str, Any] = {
        name[3:]: value for name, value in headers.items() if name.lower().startswith("ce-")
    }
    attributes = {name.lower(): value for name, value in attributes.items()}
    errors: list[FieldError] = []
    if body.strip():
        try:
            attributes["data"] = _json(body)
        except Problem as problem:
            errors.extend(problem.errors)
            attributes["data"] = body.decode("utf-8", errors="replace")
    return _check(attributes, errors, header_hint=True)


def _is_json(content_type: Any) -> bool:
    kind = media_type(content_type) if isinstance(content_type, str) else ""
    return kind == JSON or kind.endswith("+json")


def _check(attributes: dict[str, Any], errors: list[FieldError], header_hint: bool) -> ParsedEvent:
    def where(name: str) -> str:
        return f" (ce-{name} header)" if header_hint and name != "data" else ""

    for name in ("specversion", "id", "source", "type"):
        value = attributes.get(name)
        if value is None or value == "":
            errors.append(FieldError(name, "required" + where(name)))
        elif not isinstance(value, str):
            errors.append(FieldError(name, "must be a string"))
        elif name in _LIMITS and len(value) > _LIMITS[name]:
            errors.append(FieldError(name, f"at most {_LIMITS[name]} characters"))
    if isinstance(attributes.get("specversion"), str) and attributes["specversion"] not in (
        "",
        SPECVERSION,
    ):
        errors.append(FieldError("specversion", f"must be {SPECVERSION}"))
    data = attributes.get("data")
    if "data" not in attributes or data is None:
        errors.append(FieldError("data", "required" + (" (the JSON body)" if header_hint else "")))
    elif not isinstance(data, dict) and not any(e.field == "body" for e in errors):
        errors.append(FieldError("data", "must be a JSON object"))
    time = _time(attributes.get("time"), errors)
    subject = attributes.get("subject")
    if subject is not None and not isinstance(subject, str):
        errors.append(FieldError("subject", "must be a string"))
    if errors:
        return ParsedEvent(attributes, errors=errors)
    event = InboundEvent(
        id=attributes["id"],
        source=attributes["source"],
        type=attributes["type"],
        time=time,
        subject=subject,
        data=data,
    )
    return ParsedEvent(attributes, event=event)


def _time(value: Any, errors: list[FieldError]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    errors.append(FieldError("time", "must be an RFC 3339 timestamp with an offset"))
    return None


def as_cloudevent(event: InboundEvent) -> dict[str, Any]:
    """The event in structured mode, as kept in a dead letter and replayed from there."""
    body: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "datacontenttype": JSON,
        "data": event.data,
    }
    if event.time is not None:
        body["time"] = event.time.isoformat()
    if event.subject is not None:
        body["subject"] = event.subject
    return body
