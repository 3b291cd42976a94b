"""``grassroots rules validate|schema|diff|simulate``: check, document, compare and try out rule
sets before they reach a running case."""

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from rules.engine.errors import RulesError, RuleSetInvalid
from rules.engine.ruleset import RuleSet

DEFAULT_FOLDER = Path("rules")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``rules`` command and its subcommands to the main parser."""
    rules = subparsers.add_parser(
        "rules", help="validate, document, compare and simulate rule sets (rules/*.yaml)"
    )
    commands = rules.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")

    validate = commands.add_parser(
        "validate", help="check rule sets; print file:line:column: message for each error"
    )
    validate.add_argument(
        "paths", nargs="*", type=Path, help="rule-set folders (a file means its folder)"
    )
    validate.set_defaults(func=_validate)

    schema = commands.add_parser("schema", help="JSON Schema of each rule file, for editors")
    schema.add_argument("--out", type=Path, help="write <out>/<file>.schema.json instead")
    schema.set_defaults(func=_schema)

    diff = commands.add_parser("diff", help="semantic differences between two rule sets")
    diff.add_argument("a", help="a rule-set folder or a stored version")
    diff.add_argument("b", help="a rule-set folder or a stored version")
    _store_option(diff)
    diff.set_defaults(func=_diff)

    simulate = commands.add_parser(
        "simulate", help="decisions and due dates a draft rule set would change"
    )
    simulate.add_argument("--draft", required=True, type=Path, help="the draft rule-set folder")
    simulate.add_argument("--scenario", required=True, type=Path, help="a scenario YAML file")
    simulate.add_argument(
        "--active", default=str(DEFAULT_FOLDER), help="folder or stored version (default: rules)"
    )
    _store_option(simulate)
    simulate.set_defaults(func=_simulate)


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        help="stored rule versions (default: $GRASSROOTS_VAR_DIR/rules/versions)",
    )


def _validate(args: argparse.Namespace) -> int:
    from rules.engine.loader import load_folder

    paths: list[Path] = args.paths or [DEFAULT_FOLDER]
    failed = False
    for path in paths:
        folder = path.parent if path.is_file() else path
        if not folder.is_dir():
            print(f"{path}: no such rule-set folder", file=sys.stderr)
            failed = True
            continue
        try:
            rules = load_folder(folder, display_root=_display(folder))
        except RuleSetInvalid as exc:
            for error in exc.errors:
                print(error.format(exc.root))
            print(
                f"{_display(folder)}: {len(exc.errors)} error(s); rule set refused", file=sys.stderr
            )
            failed = True
            continue
        print(f"{_display(folder)}: valid, version {rules.version}")
    return 1 if failed else 0


def _schema(args: argparse.Namespace) -> int:
    from rules.engine.jsonschema import json_schemas

    schemas = json_schemas()
    if args.out is None:
        print(json.dumps(schemas, ensure_ascii=False, indent=2))
        return 0
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for stem, schema in schemas.items():
        target = out / f"{stem}.schema.json"
        target.write_text(_schema_text(schema), encoding="utf-8")
        print(f"wrote {target}")
    return 0


def _schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def _diff(args: argparse.Namespace) -> int:
    from rules.engine.diff import diff_rule_sets

    try:
        old, new = _resolve(args.a, args.store), _resolve(args.b, args.store)
    except RulesError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    changes = diff_rule_sets(old, new)
    print(f"{old.version} → {new.version}: {len(changes)} change(s)")
    for change in changes:
        print(change.format())
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from rules.engine.simulate import simulate_scenario

    try:
        active = _resolve(args.active, args.store)
        draft = _resolve(str(args.draft), args.store)
        report = simulate_scenario(active, draft, args.scenario)
    except RuleSetInvalid as exc:
        for error in exc.errors:
            print(error.format(exc.root))
        return 1
    except (RulesError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(report.format())
    return 0


def _resolve(ref: str, store_root: Path | None) -> RuleSet:
    """A folder path, or a version in the store."""
    from rules.engine.loader import load_files, load_folder

    path = Path(ref)
    if path.is_dir():
        return load_folder(path, display_root=_display(path))
    from rules.engine.versions import FileRuleVersionStore

    store = FileRuleVersionStore(store_root or _default_store())
    files = asyncio.run(store.load(ref))
    return load_files(files, display_root=f"{store.root}/{ref}")


def _default_store() -> Path:
    from settings import Settings

    return Settings().rule_versions_dir


def _display(path: Path) -> str:
    """The folder as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
