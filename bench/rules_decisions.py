"""Decisions per second under the default rules, against the same conditions in plain Python.

Each decision is one call a workflow makes (scope, consulted organisation, grade check,
checklist, credential, assignment, attendance, step, eligibility, Party development, progress
alerts, evaluation) on realistic, varied records, and includes building the CEL activation from
the records and the trace. The baseline implements the same conditions as hand-written Python
functions on the same records, without traces, measured in the same run. One core, one thread.

    .venv/bin/python bench/rules_decisions.py [--seconds 3]
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import cel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rules.engine.loader import load_folder  # noqa: E402
from rules.engine.processes import (  # noqa: E402
    AnnualInspection,
    Commitment,
    CommunityWorker,
    DualAssessment,
    FloatingMember,
)

Call = Callable[[], Any]
NOW = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)
RESIDENT = ("agency", "institution", "state_enterprise")
INSPECTED = (
    "non_public_enterprise",
    "individual_business",
    "social_organization",
    "private_non_enterprise",
    "owners_committee",
    "property_company",
    "commercial_building",
    "new_sector_org",
)
OCCUPATIONS = ("快递员", "外卖骑手", "教师", "个体经营", "退役军人", "网约车司机", "待业毕业生")
TIERS = ("优秀", "称职", "称职", "基本称职", "")


def subjects(rng: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        cadre = rng.random() < 0.6
        out.append(
            {
                "subject_type": "cadre" if cadre else "unit",
                "id": f"s{i}",
                "org_type": "" if cadre else rng.choice(RESIDENT),
                "community_id": "" if cadre else f"c{rng.randrange(20)}",
                "big_committee_member": rng.random() < 0.7,
                "big_committee_activities": rng.randrange(6),
                "party_member": rng.random() < 0.9,
                "reported_in": rng.random() < 0.8,
                "report_community_id": f"c{rng.randrange(20)}" if rng.random() < 0.8 else "",
                "residence_community_id": f"c{rng.randrange(20)}",
                "community_activities": rng.randrange(9),
                "volunteer_hours": float(rng.randrange(40)),
                "commitment_grade": rng.choice(("优秀", "良好", "合格", "")),
            }
        )
    return out


def orgs(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"o{i}",
            "org_type": rng.choice(INSPECTED),
            "community_id": f"c{rng.randrange(20)}",
            "big_committee_member": rng.random() < 0.5,
            "has_party_org": rng.random() < 0.3,
            "has_liaison": rng.random() < 0.5,
            "big_committee_activities": rng.randrange(4),
            "months_registered": rng.randrange(120),
            "employees": rng.randrange(200),
            "party_members": rng.randrange(8),
        }
        for i in range(n)
    ]


def members(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"m{i}",
            "credential": rng.choice(
                ("introduction_letter", "certificate_letter", "activity_card")
            ),
            "occupation": rng.choice(OCCUPATIONS),
            "community_id": "c1",
            "grid_id": f"g{rng.randrange(4)}",
            "building_id": f"b{rng.randrange(10)}",
            "unit": str(rng.randrange(1, 4)),
            "expected_months": rng.choice((0, 2, 4, 6, 12, 24)),
            "months_settled": rng.randrange(12),
            "abroad": False,
            "age": rng.randrange(20, 70),
        }
        for i in range(n)
    ]


def workers(rng: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        tiers = rng.randrange(5)
        good = rng.randrange(tiers + 1)
        out.append(
            {
                "id": f"w{i}",
                "post": rng.choice(("head", "deputy", "staff")),
                "grade": rng.randrange(1, 12),
                "years_in_grade": float(rng.randrange(6)),
                "education": rng.choice(("high_school", "college", "bachelor", "master")),
                "party_member": rng.random() < 0.3,
                "age": rng.randrange(22, 62),
                "training_hours": float(rng.randrange(80)),
                "last_tier": rng.choice(TIERS),
                "tiers_since_step": tiers,
                "good_tiers_since_step": good,
                "excellent_tiers_since_step": rng.randrange(good + 1),
                "poor_tiers_since_step": tiers - good,
                "has_certificate": rng.random() < 0.1,
                "applied_to_join": rng.random() < 0.2,
            }
        )
    return out


def build_calls(n: int = 500, seed: int = 7) -> tuple[list[Call], list[Call]]:
    """The same decisions on the same records: through the rules, and in plain Python."""
    rng = random.Random(seed)
    rules = load_folder(ROOT / "rules")
    p1, p2 = DualAssessment.of(rules), AnnualInspection.of(rules)
    p3, p4, p5 = FloatingMember.of(rules), CommunityWorker.of(rules), Commitment.of(rules)
    occasion, period = "year_end_assessment", "2025"
    engine: list[Call] = []
    plain: list[Call] = []
    for s in subjects(rng, n):
        evidence = p1.evidence(s, occasion, period, NOW).result
        grade = rng.choice(("优秀", "称职") if s["subject_type"] == "cadre" else ("好", "较好"))
        engine += [
            partial(p1.in_scope, s, occasion, period, NOW),
            partial(p1.consulted_org, s, occasion, period, NOW),
            partial(p1.check_grade, s, evidence, grade, occasion, period),
        ]
        plain += [partial(py_in_scope, s), partial(py_consulted_org, s)]
        plain += [partial(py_check_grade, s, grade)]
    for o in orgs(rng, n):
        engine += [partial(p2.in_scope, o, 2026, NOW), partial(p2.checklist, o, 2026, NOW)]
        plain += [partial(py_inspection_scope, o), partial(py_checklist, o)]
    households = [
        {
            "id": f"h{i}",
            "grid_id": f"g{i % 4}",
            "building_id": f"b{i % 10}",
            "unit": str(1 + i % 3),
            "capacity": 0,
            "assigned": i % 6,
        }
        for i in range(12)
    ]
    for m in members(rng, n):
        attended = rng.randrange(7)
        attendance = {
            "invited": 6,
            "attended": attended,
            "rate": attended / 6,
            "consecutive_missed": rng.randrange(5),
        }
        engine += [
            partial(p3.credential_for, m, NOW),
            partial(p3.assign, m, households),
            partial(p3.attendance_escalations, m, attendance),
        ]
        plain += [partial(py_credential, m), partial(py_assign, m, households)]
        plain += [partial(py_attendance, attendance)]
    for w in workers(rng, n):
        candidate = {
            "age": w["age"],
            "education": w["education"],
            "community_years": 1.0,
            "party_member": w["party_member"],
            "has_certificate": False,
        }
        engine += [partial(p4.step, w), partial(p4.eligibility, candidate)]
        engine += [partial(p4.approach_for_party, w)]
        plain += [partial(py_step, w), partial(py_eligible, candidate), partial(py_party, w)]
        progress = {
            "quarter": rng.randrange(1, 5),
            "items": 3,
            "hours": float(rng.randrange(30)),
            "logs": rng.randrange(8),
            "items_with_service": rng.randrange(4),
            "last_service_days": rng.randrange(150),
        }
        scores = {k: float(rng.randrange(50, 100)) for k in ("self", "members", "residents")}
        engine += [partial(p5.progress_alerts, progress, NOW), partial(p5.evaluate, scores)]
        plain += [partial(py_progress, progress), partial(py_evaluate, scores)]
    return engine, plain


# ── The same conditions as plain Python ────────────────────────────────────────────────────
def py_in_scope(s: dict[str, Any]) -> bool:
    if s["subject_type"] == "unit":
        return s["org_type"] in RESIDENT
    return bool(s["party_member"])


def py_consulted_org(s: dict[str, Any]) -> str | None:
    if s["subject_type"] == "unit":
        return s["community_id"] or None
    if s["reported_in"] and s["report_community_id"]:
        return str(s["report_community_id"])
    return s["residence_community_id"] or None


def py_check_grade(s: dict[str, Any], grade: str) -> bool:
    if s["subject_type"] == "cadre":
        capped = s["community_activities"] < 4 or not s["reported_in"]
        return not (capped and grade == "优秀")
    return not (not s["big_committee_member"] and grade == "好")


def py_inspection_scope(o: dict[str, Any]) -> bool:
    social = o["org_type"] in ("social_organization", "private_non_enterprise")
    return not (social and o["months_registered"] < 6)


def py_checklist(o: dict[str, Any]) -> bool:
    return bool(
        o["big_committee_member"]
        and (o["has_party_org"] or o["has_liaison"])
        and (o["party_members"] < 3 or o["has_party_org"])
    )


def py_credential(m: dict[str, Any]) -> str | None:
    if m["expected_months"] == 0:
        return "activity_card"
    if m["expected_months"] > 6:
        return "introduction_letter"
    return "certificate_letter" if m["expected_months"] > 3 else None


NEW_SECTOR = frozenset(("快递员", "外卖骑手", "网约车司机", "货车司机", "网络主播", "家政服务员"))


def py_assign(m: dict[str, Any], households: list[dict[str, Any]]) -> str | None:
    if m["occupation"] in NEW_SECTOR:
        return "new_sector"
    free = [h for h in households if 5 - h["assigned"] > 0]
    for fields in (("grid_id", "building_id", "unit"), ("grid_id", "building_id"), ("grid_id",)):
        near = [h for h in free if all(h[f] == m[f] for f in fields)]
        if near:
            return str(min(near, key=lambda h: (h["assigned"], h["id"]))["id"])
    return None


def py_attendance(a: dict[str, Any]) -> list[str]:
    fired = []
    if a["invited"] >= 3 and a["rate"] < 0.5:
        fired.append("grid_branch")
    if a["consecutive_missed"] >= 3:
        fired.append("community_party_org")
    return fired


def py_step(w: dict[str, Any]) -> int:
    if w["years_in_grade"] < 3:
        return int(w["grade"])
    if w["poor_tiers_since_step"] > 0:
        return int(w["grade"])
    if w["tiers_since_step"] >= 3 and w["good_tiers_since_step"] >= 3:
        return int(w["grade"]) + 1
    return int(w["grade"])


def py_eligible(c: dict[str, Any]) -> bool:
    return 18 <= c["age"] <= 35 and c["education"] in ("college", "bachelor", "master", "doctorate")


def py_party(w: dict[str, Any]) -> bool:
    return (
        not w["party_member"]
        and not w["applied_to_join"]
        and w["age"] <= 45
        and w["last_tier"] in ("优秀", "称职")
    )


def py_progress(p: dict[str, Any]) -> list[str]:
    fired = []
    if p["quarter"] >= 2 and p["logs"] == 0:
        fired.append("no_service_by_q2")
    if p["quarter"] >= 3 and p["items_with_service"] < p["items"]:
        fired.append("items_untouched_by_q3")
    if p["logs"] > 0 and p["last_service_days"] > 90:
        fired.append("long_silence")
    return fired


WEIGHTS = {"self": 0.2, "members": 0.3, "residents": 0.3, "organisation": 0.2}


def py_evaluate(scores: dict[str, float]) -> str:
    score = sum(w * scores.get(k, 0.0) for k, w in WEIGHTS.items())
    return "优秀" if score >= 90 else "良好" if score >= 80 else "合格" if score >= 60 else "不合格"


def rate(calls: list[Call], seconds: float) -> float:
    """Calls per second, cycling through ``calls`` for about ``seconds``."""
    for call in calls:  # warm up: per-version deciders, CEL programs, caches
        call()
    done, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for call in calls:
            call()
        done += len(calls)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def cel_share(engine: list[Call], seconds: float) -> tuple[float, float]:
    """CEL evaluations per decision, and CEL runs per second on the activations decisions built
    (the library's own cost, conversion of the activation included)."""
    runs: list[Call] = []
    for call in engine:
        for step in call().trace.steps:
            if step.expr is not None:
                runs.append(partial(step.expr.run, dict(step.read)))
    return len(runs) / len(engine), rate(runs, seconds)


def conversion_cost(seconds: float) -> tuple[float, float]:
    """One P1 condition run by the library on the whole 13-field subject record (a CEL map), and
    on the two flat variables the engine passes instead: where the time goes."""
    source = 'subject.reported_in && subject.report_community_id != ""'
    records = subjects(random.Random(3), 200)
    whole = cel.compile(source)
    flat = cel.compile('subject__reported_in && subject__report_community_id != ""')
    whole_calls: list[Call] = [partial(whole.execute, {"subject": s}) for s in records]
    flat_calls: list[Call] = [
        partial(
            flat.execute,
            {
                "subject__reported_in": s["reported_in"],
                "subject__report_community_id": s["report_community_id"],
            },
        )
        for s in records
    ]
    return rate(whole_calls, seconds), rate(flat_calls, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    engine, plain = build_calls()
    engine_rate = rate(engine, args.seconds)
    plain_rate = rate(plain, args.seconds)
    per_decision, cel_rate = cel_share(engine, args.seconds)
    decision_us, cel_us = 1e6 / engine_rate, 1e6 / cel_rate
    print(f"decisions measured:            {len(engine)} calls, 12 kinds, 5 processes")
    print(
        f"rules engine (CEL + traces):   {engine_rate:>12,.0f} decisions/s ({decision_us:.2f} µs)"
    )
    print(f"baseline (plain Python):       {plain_rate:>12,.0f} decisions/s")
    print(f"ratio baseline / engine:       {plain_rate / engine_rate:>12.1f}x")
    print(f"CEL runs per decision:         {per_decision:>12.2f}")
    print(f"CEL run (library, flat vars):  {cel_rate:>12,.0f} runs/s ({cel_us:.2f} µs)")
    print(f"time in the CEL library:       {per_decision * cel_us / decision_us:>12.0%}")
    whole_rate, flat_rate = conversion_cost(args.seconds / 2)
    print(f"one condition, whole record:   {whole_rate:>12,.0f} runs/s (naive: record as a map)")
    print(f"one condition, flat fields:    {flat_rate:>12,.0f} runs/s (what the engine does)")
    target = 100_000
    verdict = "meets" if engine_rate >= target else "misses"
    print(f"target {target:,} decisions/s:  {verdict} ({engine_rate / target:.2f}x the target)")


if __name__ == "__main__":
    main()
