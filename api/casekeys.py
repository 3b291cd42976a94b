"""Case ids from event data (``dual_assessment/{subject_id}/{occasion}/{period}``) and back."""

import re
from collections.abc import Mapping
from typing import Any

from api.problems import FieldError, bad_request
from rules.engine.schema.events import placeholders


def render_case_key(template: str, data: Mapping[str, Any]) -> str:
    """The case id (or id prefix) a template names for this data; Problem if a value is unusable."""
    values: dict[str, str] = {}
    errors = []
    for name in placeholders(template):
        value = data.get(name)
        text = str(value).strip() if isinstance(value, str | int) else ""
        if isinstance(value, bool) or not text:
            errors.append(FieldError(f"data.{name}", "must be a non-empty string or number"))
        elif "/" in text:
            errors.append(FieldError(f"data.{name}", "must not contain '/'"))
        values[name] = text
    if errors:
        raise bad_request("the event's data cannot name a case", errors)
    return template.format_map(values)


def key_fields(template: str, case_id: str) -> dict[str, str] | None:
    """The data fields a case id was made from, or None if it does not fit the template."""
    pattern = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^{}]*\})", template)
        if part
    )
    match = re.fullmatch(pattern, case_id)
    return match.groupdict() if match else None
