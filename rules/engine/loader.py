"""Load a rule set: read the files, parse them safely, validate them against the schema, compile
and check every CEL expression and reference. Any error is reported as ``file:line:column``; a
rule set with errors is refused as a whole."""

from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from rules.engine import checks
from rules.engine.cel import CompiledExpr, compile_expr
from rules.engine.errors import RuleError, RuleSetInvalid
from rules.engine.ruleset import RuleSet
from rules.engine.schema import (
    FILE_MODELS,
    AnnualInspectionRules,
    DualAssessmentRules,
    EventRules,
    SharedRules,
)
from rules.engine.schema_errors import schema_errors
from rules.engine.sites import P1_GRADE, SITES, Site, Var
from rules.engine.versions import version_of
from rules.engine.walk import marked_values
from rules.engine.yamldoc import Path, YamlDocument, parse_yaml

RULE_FILES: tuple[str, ...] = tuple(f"{stem}.yaml" for stem in FILE_MODELS)
_KINDS: dict[type, str] = {bool: "bool", int: "int", float: "double", str: "string"}


def read_folder(folder: FsPath) -> dict[str, bytes]:
    """The bytes of every ``*.yaml`` file directly in ``folder`` (sub-folders are not read)."""
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.yaml"))}


def load_folder(folder: FsPath, display_root: str | None = None) -> RuleSet:
    """Load the rule set in ``folder``; raise RuleSetInvalid listing every error."""
    root = str(folder) if display_root is None else display_root
    return load_files(read_folder(folder), display_root=root)


def load_files(files: Mapping[str, bytes], display_root: str = "rules") -> RuleSet:
    """Load a rule set from file name → bytes. Pure: no I/O, so it may run in workflow code."""
    rule_set, errors = _load(files)
    if errors or rule_set is None:
        raise RuleSetInvalid(errors, display_root)
    return rule_set


def _load(files: Mapping[str, bytes]) -> tuple[RuleSet | None, list[RuleError]]:
    errors: list[RuleError] = []
    for name in sorted(set(files) - set(RULE_FILES)):
        errors.append(
            RuleError(name, 1, 1, f"unknown rule file; a rule set has: {', '.join(RULE_FILES)}")
        )
    docs: dict[str, YamlDocument] = {}
    models: dict[str, BaseModel] = {}
    for stem, model_cls in FILE_MODELS.items():
        name = f"{stem}.yaml"
        if name not in files:
            errors.append(RuleError(name, 1, 1, "file is missing from the rule set"))
            continue
        doc, file_errors = _parse(name, files[name])
        errors.extend(file_errors)
        if doc is None:
            continue
        docs[stem] = doc
        model, file_errors = _validate(doc, model_cls)
        errors.extend(file_errors)
        if model is not None:
            models[stem] = model
    shared = models.get("shared")
    if not isinstance(shared, SharedRules):
        return None, errors
    org_type_sets, shared_errors = checks.expand_org_types(shared, docs["shared"])
    errors.extend(shared_errors)
    errors.extend(checks.shared_checks(shared, docs["shared"]))
    exprs: dict[tuple[str, Path], CompiledExpr] = {}
    for stem, model in models.items():
        doc = docs[stem]
        errors.extend(checks.reference_errors(model, doc, checks.defined_names(shared, model)))
        errors.extend(checks.duplicate_ids(model, doc))
        errors.extend(checks.grade_errors(shared, model, doc))
        if isinstance(model, EventRules):
            errors.extend(checks.event_errors(model, doc))
        if isinstance(model, AnnualInspectionRules):
            errors.extend(checks.window_errors(model, doc, org_type_sets))
        errors.extend(_compile_all(stem, model, doc, exprs))
    if errors or len(models) != len(FILE_MODELS):
        return None, errors
    return (
        RuleSet(
            version=version_of(files),
            files=dict(files),
            exprs=exprs,
            org_type_sets=org_type_sets,
            **models,  # type: ignore[arg-type]
        ),
        [],
    )


def _parse(name: str, content: bytes) -> tuple[YamlDocument | None, list[RuleError]]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [RuleError(name, 1, 1, f"the file is not UTF-8 text: {exc.reason}")]
    doc, errors = parse_yaml(name, text)
    if doc is not None and not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
        message = f"a rule file is a mapping of keys to values; this one is {what}"
        return None, [RuleError(name, 1, 1, message)]
    return doc, errors


def _validate(
    doc: YamlDocument, model_cls: type[BaseModel]
) -> tuple[BaseModel | None, list[RuleError]]:
    try:
        return model_cls.model_validate(doc.data), []
    except ValidationError as exc:
        return None, schema_errors(doc, model_cls, exc)


def _compile_all(
    stem: str, model: BaseModel, doc: YamlDocument, exprs: dict[tuple[str, Path], CompiledExpr]
) -> list[RuleError]:
    """Compile every expression of one file; grade constraints see the evidence ids as fields."""
    errors: list[RuleError] = []
    deferred = []
    for found in marked_values(model):
        if not isinstance(found.marker, Site):
            continue
        if found.marker is P1_GRADE:
            deferred.append(found)
            continue
        errors.extend(_compile_one(stem, doc, found.path, found.value, found.marker, exprs))
    if deferred and isinstance(model, DualAssessmentRules):
        for found in deferred:
            subject_type = model.grade_constraints[int(found.path[1])].subject_type
            site = P1_GRADE.with_variable("evidence", _evidence_var(model, subject_type, exprs))
            errors.extend(_compile_one(stem, doc, found.path, found.value, site, exprs))
    return errors


def _compile_one(
    stem: str,
    doc: YamlDocument,
    path: Path,
    source: str,
    site: Site,
    exprs: dict[tuple[str, Path], CompiledExpr],
) -> list[RuleError]:
    compiled, issues = compile_expr(source, site)
    if compiled is not None:
        exprs[(stem, path)] = compiled
    errors = []
    for issue in issues:
        line, column = doc.locate_in_scalar(path, issue.line, issue.column)
        errors.append(RuleError(doc.file, line, column, issue.message))
    return errors


def _evidence_var(
    model: DualAssessmentRules, subject_type: str, exprs: Mapping[tuple[str, Path], CompiledExpr]
) -> Var:
    """``evidence``: one field per evidence item for this subject type, typed by a sample run."""
    fields: dict[str, Var] = {}
    for index, item in enumerate(model.evidence):
        compiled = exprs.get(("dual_assessment", ("evidence", index, "value")))
        if item.subject_type != subject_type or compiled is None:
            continue
        sample: Any = _sample_result(compiled)
        kind = _KINDS.get(type(sample), "string")
        fields[item.id] = Var(kind, item.label)  # type: ignore[arg-type]
    return Var("object", "本案证据 evidence items by id", fields)


def _sample_result(compiled: CompiledExpr) -> Any:
    site = SITES[compiled.site_name]
    try:
        return compiled.evaluate(site.sample_context(1))[0]
    except Exception:  # a sample that cannot run types the evidence as text
        return ""
