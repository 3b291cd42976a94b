"""The shipped rule files load, match their checked-in JSON Schemas and document their basis."""

import json
import re

import jsonschema
import yaml

from rules.engine.jsonschema import json_schemas
from rules.engine.loader import RULE_FILES, load_folder
from rules.engine.ruleset import RuleSet
from tests.rules.helpers import RULES_DIR


def test_default_rules_load(default_rules: RuleSet) -> None:
    """The rules the product ships with are valid and have a 12-digit version."""
    assert re.fullmatch(r"[0-9a-f]{12}", default_rules.version)
    assert len(default_rules.exprs) > 20


def test_demo_rules_load_with_short_durations() -> None:
    """The demo rule set loads and escalates within minutes, not days."""
    demo = load_folder(RULES_DIR / "demo")
    ladder = demo.ladder("standard")
    assert [step.at.after_due.text for step in ladder if step.at.after_due] == ["1m", "6m"]
    assert demo.dual_assessment.opinion_task.due.before is not None
    assert demo.dual_assessment.opinion_task.due.before.text == "5m"


def test_demo_rules_route_every_event_the_default_rules_route() -> None:
    """Only durations differ in the demo set: an event the product takes, the demo takes too."""
    routes = [
        yaml.safe_load((folder / "events.yaml").read_text(encoding="utf-8"))
        for folder in (RULES_DIR, RULES_DIR / "demo")
    ]
    assert routes[0] == routes[1]


def test_checked_in_schemas_are_current() -> None:
    """rules/schema/*.schema.json is what `rules schema` generates today."""
    for stem, schema in json_schemas().items():
        path = RULES_DIR / "schema" / f"{stem}.schema.json"
        assert json.loads(path.read_text(encoding="utf-8")) == schema, f"regenerate {path}"


def test_default_files_validate_against_their_schema() -> None:
    """Editors using the JSON Schemas accept the shipped files (demo files too)."""
    schemas = json_schemas()
    for folder in (RULES_DIR, RULES_DIR / "demo"):
        for name in RULE_FILES:
            data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
            jsonschema.validate(data, schemas[name.removesuffix(".yaml")])


def test_files_carry_modeline_and_bilingual_basis() -> None:
    """Each file tells editors its schema and names the basis of its values in both languages."""
    for folder, prefix in ((RULES_DIR, "schema/"), (RULES_DIR / "demo", "../schema/")):
        for name in RULE_FILES:
            text = (folder / name).read_text(encoding="utf-8")
            stem = name.removesuffix(".yaml")
            modeline = f"# yaml-language-server: $schema={prefix}{stem}.schema.json"
            assert text.startswith(modeline), name
            assert "依据" in text, name
            assert "basis" in text, name
