"""JSON Schema for each rule file, generated from the pydantic models, for editors.

Durations are written as text in rule files (``5wd``, ``P1M``), so the schema describes them as
strings with a pattern instead of the model's internal fields.
"""

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from models.duration import Duration
from rules.engine.schema import FILE_MODELS

DURATION_PATTERN = (
    r"^\s*\d+\s*(wd|w|d|h|m|s)\s*$"
    r"|^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$"
)
_DURATION_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": DURATION_PATTERN,
    "description": (
        "时长：30d 自然日, 5wd 工作日, 12h 小时, 2w 周, 90m 分钟, P1M 月, P1Y 年 "
        "(30d days, 5wd working days, 12h, 2w, 90m minutes, P1M months)"
    ),
    "examples": ["5wd", "30d", "P1M", "P6M"],
}


class _RulesJsonSchema(GenerateJsonSchema):
    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        if schema["cls"] is Duration:
            return dict(_DURATION_SCHEMA)
        return super().model_schema(schema)


def json_schemas() -> dict[str, dict[str, Any]]:
    """File stem → JSON Schema of ``rules/<stem>.yaml``."""
    schemas: dict[str, dict[str, Any]] = {}
    for stem, model in FILE_MODELS.items():
        schema = model.model_json_schema(schema_generator=_RulesJsonSchema, mode="validation")
        schemas[stem] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **schema,
            "title": f"rules/{stem}.yaml",
        }
    return schemas
