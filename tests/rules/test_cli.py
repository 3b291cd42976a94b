"""`grassroots rules validate|schema|diff|simulate` on the default rules and on broken copies."""

import argparse
import json
import shutil
from pathlib import Path

import pytest

from cli.rules_cmd import register
from rules.engine.versions import version_of
from tests.rules.helpers import RULES_DIR


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="grassroots")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    target = tmp_path / "draft"
    target.mkdir()
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def test_validate_default_rules(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rules validate` accepts the shipped rules and prints their version."""
    monkeypatch.chdir(RULES_DIR.parent)
    files = {p.name: p.read_bytes() for p in RULES_DIR.glob("*.yaml")}
    assert run("rules", "validate") == 0
    assert capsys.readouterr().out == f"rules: valid, version {version_of(files)}\n"


def test_validate_reports_errors_with_positions(
    draft: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken folder exits 1 and prints one file:line:column line per error."""
    path = draft / "shared.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("to: grid_branch", "to: nobody"), encoding="utf-8"
    )
    assert run("rules", "validate", str(draft)) == 1
    out = capsys.readouterr()
    [line] = out.out.splitlines()
    assert line.startswith(f"{draft}/shared.yaml:")
    assert line.endswith(": undefined role 'nobody'")
    assert "1 error(s); rule set refused" in out.err


def test_schema_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rules schema` prints every file's schema, or writes them for editors."""
    assert run("rules", "schema") == 0
    printed = json.loads(capsys.readouterr().out)
    assert sorted(printed) == sorted(
        [
            "shared",
            "events",
            "dual_assessment",
            "annual_inspection",
            "floating_member",
            "community_worker",
            "commitment",
        ]
    )
    assert run("rules", "schema", "--out", str(tmp_path)) == 0
    written = json.loads((tmp_path / "dual_assessment.schema.json").read_text(encoding="utf-8"))
    assert written == printed["dual_assessment"]


def test_diff_and_simulate(draft: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rules diff` and `rules simulate` show a lead-time change and the due dates it moves."""
    path = draft / "dual_assessment.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("before: 5wd", "before: 3wd"), encoding="utf-8"
    )
    assert run("rules", "diff", str(RULES_DIR), str(draft)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == ["~ dual_assessment.yaml opinion_task.due.before: 5wd → 3wd"]
    scenario = RULES_DIR / "scenarios" / "example.yaml"
    code = run(
        "rules",
        "simulate",
        "--active",
        str(RULES_DIR),
        "--draft",
        str(draft),
        "--scenario",
        str(scenario),
    )
    assert code == 0
    report = capsys.readouterr().out
    assert "opinion.due_at: '2026-01-09T18:00:00+08:00' [opinion_task] → '2026-01-13T" in report
    assert report.rstrip().endswith("2 of 8 cases would change")


def test_diff_against_a_stored_version(
    draft: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A version that is not in the store is a clear error, not a traceback."""
    assert run("rules", "diff", "0123456789ab", str(draft), "--store", str(tmp_path)) == 1
    assert "rule version '0123456789ab' is not stored" in capsys.readouterr().err
