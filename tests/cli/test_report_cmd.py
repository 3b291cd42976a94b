"""``grassroots report workforce`` as an office runs it on the sample registry."""

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from cli import report_cmd
from db.migrate import upgrade
from db.sample import load_sample_registry
from db.sample.data import THIS_YEAR
from db.session import create_engine, session_factory


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="grassroots")
    report_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


async def _sample(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            await load_sample_registry(session)
    finally:
        await engine.dispose()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'grassroots.db'}"
    monkeypatch.setattr(report_cmd, "_database_url", lambda: url)
    monkeypatch.setattr(report_cmd, "_rules_folder", lambda: Path(__file__).parents[2] / "rules")
    return url


def test_workforce_table_shows_the_seed_figures_against_the_targets(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table shows 10% / 30% / 4% and the targets per community, and the years before."""
    asyncio.run(_sample(database))
    assert _run("report", "workforce", "--year", str(THIS_YEAR)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"社区工作者队伍结构　{THIS_YEAR} 年")
    header = lines[2].split()
    assert header[:5] == ["指标", "全部社区", "新华社区", "汾河社区", "稷王社区"]
    row = {line.split()[0]: line.split()[1:] for line in lines[3:9]}
    assert row["本科及以上学历占比"][0] == "10.0%"
    assert row["党员占比"][0] == "30.0%"
    assert row["持社会工作者职业资格证书占比"][0] == "4.0%"
    assert row["党员占比"][-3:] == ["60.0%", "30.0%", "否"]
    assert float(row["社区党组织书记平均年龄（岁）"][0]) > 60
    assert row["社区党组织书记平均年龄（岁）"][-4:-2] == ["≤", "50.0"]
    assert row["社区工作者人数"][:4] == ["50", "17", "16", "17"]
    assert "逐年趋势（全部社区，年末；今年截至报告日）" in out


def test_workforce_json_is_for_other_programs(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--format json`` gives the same report as data, and an empty registry reports nothing."""
    assert _run("report", "workforce", "--year", str(THIS_YEAR), "--format", "json") == 0
    empty = json.loads(capsys.readouterr().out)
    assert (empty["overall"]["workers"], empty["communities"], empty["trend"]) == (0, [], [])
    asyncio.run(_sample(database))
    assert _run("report", "workforce", "--format", "json", "--year", str(THIS_YEAR)) == 0
    report = json.loads(capsys.readouterr().out)
    figures = {f["name"]: f for f in report["overall"]["figures"]}
    assert figures["certificate_share"]["actual"] == 0.04
    assert figures["certificate_share"]["target"] == 0.5
    assert figures["workers_per_10k_residents"]["target"] == 18
    assert report["max_per_community"] == 17
