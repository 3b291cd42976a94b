"""Administrators edit rules over the API: an invalid edit is refused at its line and column and
changes nothing; a valid one is dry-run, activated, audited and used by new cases only; a rollback
restores an earlier version; a stale edit and a non-administrator are refused."""

from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.case_tables import TimelineEvent
from tests.api.conftest import Api
from tests.api.databases import on_each_database

pytestmark = on_each_database

FILE = "community_worker.yaml"
HOURS = "  annual_minimum_hours: 40"


async def _active(api: Api) -> dict[str, Any]:
    response = await api.http.get("/api/rules", headers=api.auth("staff_a"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _text(api: Api, version: str) -> str:
    response = await api.http.get(f"/api/rules/versions/{version}", headers=api.auth("admin"))
    assert response.status_code == 200, response.text
    text: str = response.json()["files"][FILE]
    return text


async def _audit_rows(api: Api) -> list[TimelineEvent]:
    async with api.sessions() as session:
        query = select(TimelineEvent).where(TimelineEvent.kind.like("rules_%"))
        return list((await session.scalars(query.order_by(TimelineEvent.id))).all())


async def test_invalid_edit_is_refused_at_its_line_and_changes_nothing(
    api: Api, tmp_path: Path
) -> None:
    """A misspelt key is shown at its line and column, in Chinese, and nothing is written."""
    rules = tmp_path / "rules"  # the app's copy of the rules folder (tests/api/conftest.py)
    base = (await _active(api))["version"]
    text = await _text(api, base)
    line = 1 + next(n for n, row in enumerate(text.splitlines()) if row.startswith(HOURS))
    broken = text.replace(HOURS, "  annual_minimm_hours: 40")
    candidate = {"base": base, "file": FILE, "text": broken}

    checked = await api.http.post("/api/rules/validate", json=candidate, headers=api.auth("admin"))
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["valid"] is False
    misspelt = [e for e in result["errors"] if "annual_minimm_hours" in e["message"]]
    assert [(e["file"], e["line"], e["column"]) for e in misspelt] == [(FILE, line, 3)]
    assert "annual_minimum_hours" in misspelt[0]["explanation"]
    assert "不认识的键" in misspelt[0]["explanation"]

    activated = await api.http.post(
        "/api/rules/activate", json={**candidate, "reason": "调整学时"}, headers=api.auth("admin")
    )
    assert activated.status_code == 422, activated.text
    assert any(e["line"] == line for e in activated.json()["rule_errors"])
    assert (await _active(api))["version"] == base
    assert (rules / FILE).read_text(encoding="utf-8") == text
    assert await _audit_rows(api) == []


async def test_valid_edit_is_activated_for_new_cases_and_rolled_back(
    api: Api, tmp_path: Path
) -> None:
    """A valid edit shows its dry run, becomes active at once with who and why, new cases pin
    it while a running case keeps its version, and a rollback restores the first version."""
    rules = tmp_path / "rules"  # the app's copy of the rules folder (tests/api/conftest.py)
    running = await api.open_probe(community="c-a")
    base = (await _active(api))["version"]
    text = await _text(api, base)
    edited = text.replace(HOURS, "  annual_minimum_hours: 48")
    candidate = {"base": base, "file": FILE, "text": edited}

    dry = await api.http.post("/api/rules/dry-run", json=candidate, headers=api.auth("admin"))
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["valid"] is True
    assert "继续使用" in report["note"]
    [changed] = report["files"]
    assert changed["file"] == FILE
    assert [c["path"] for c in changed["changes"]] == ["training.annual_minimum_hours"]
    assert any(row.startswith("-" + HOURS) for row in changed["lines"])
    [process] = report["processes"]
    assert (process["process"], process["running"]) == ("community_worker", 1)
    assert process["by_version"] == {base: 1}
    assert (rules / FILE).read_text(encoding="utf-8") == text

    without_reason = await api.http.post(
        "/api/rules/activate", json=candidate, headers=api.auth("admin")
    )
    assert without_reason.status_code == 400
    activated = await api.http.post(
        "/api/rules/activate",
        json={**candidate, "reason": "县委组织部要求提高年度培训学时"},
        headers=api.auth("admin"),
    )
    assert activated.status_code == 200, activated.text
    new = activated.json()["version"]
    assert new != base
    assert (await _active(api))["version"] == new
    assert (await _active(api))["activated_by"] == "admin"
    assert (rules / FILE).read_text(encoding="utf-8") == edited
    [row] = await _audit_rows(api)
    assert (row.kind, row.actor) == ("rules_activated", "admin")
    assert row.detail["reason"] == "县委组织部要求提高年度培训学时"
    assert (row.detail["version"], row.detail["previous"]) == (new, base)

    started = await api.open_probe(community="c-a")
    assert (await api.wait_for(started))["rule_version"] == new
    assert (await api.wait_for(running))["rule_version"] == base

    diff = await api.http.get(
        "/api/rules/diff", params={"from": base, "to": new}, headers=api.auth("staff_a")
    )
    assert [f["file"] for f in diff.json()["files"]] == [FILE]

    rolled = await api.http.post(
        "/api/rules/rollback",
        json={"version": base, "base": new, "reason": "学时调整推迟到明年"},
        headers=api.auth("admin"),
    )
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["version"] == base
    assert (rules / FILE).read_text(encoding="utf-8") == text
    history = (await api.http.get("/api/rules/versions", headers=api.auth("admin"))).json()
    assert history["active"] == base
    assert [(a["kind"], a["version"], a["actor"]) for a in history["activations"]] == [
        ("rules_rolled_back", base, "admin"),
        ("rules_activated", new, "admin"),
    ]
    assert {v["version"] for v in history["versions"]} == {base, new}


async def test_stale_base_and_non_admins_are_refused(api: Api, tmp_path: Path) -> None:
    """An edit of a version that is no longer active gets 409; staff may read but not edit."""
    rules = tmp_path / "rules"  # the app's copy of the rules folder (tests/api/conftest.py)
    base = (await _active(api))["version"]
    text = await _text(api, base)
    first = {"base": base, "file": FILE, "text": text.replace(HOURS, "  annual_minimum_hours: 44")}
    second = {"base": base, "file": FILE, "text": text.replace(HOURS, "  annual_minimum_hours: 50")}

    for who in ("staff_a", "street", "viewer"):
        refused = await api.http.post(
            "/api/rules/activate", json={**first, "reason": "试试"}, headers=api.auth(who)
        )
        assert refused.status_code == 403, who
    ok = await api.http.post(
        "/api/rules/activate", json={**first, "reason": "甲的修改"}, headers=api.auth("admin")
    )
    assert ok.status_code == 200, ok.text
    stale = await api.http.post(
        "/api/rules/activate", json={**second, "reason": "乙的修改"}, headers=api.auth("admin")
    )
    assert stale.status_code == 409
    assert stale.json()["active"] == ok.json()["version"]
    assert "annual_minimum_hours: 44" in (rules / FILE).read_text(encoding="utf-8")
    assert len(await _audit_rows(api)) == 1
