"""``grassroots registry import|export`` as an administrator runs it."""

import argparse
from pathlib import Path

import pytest

from cli import registry_cmd


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="grassroots")
    registry_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'grassroots.db'}"
    monkeypatch.setattr(registry_cmd, "_database_url", lambda: url)
    return url


def test_import_lists_every_error_and_exits_1(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused file is listed error by error on stderr; the other files still import."""
    places = tmp_path / "places"
    places.mkdir()
    (places / "街道.csv").write_text("街道编号,街道名称\ns1,稷峰街道\n", encoding="utf-8-sig")
    (places / "社区.csv").write_text(
        "社区编号,社区名称,所属街道\nc1,稷王社区,s1\n", encoding="utf-8"
    )
    bad = tmp_path / "组织.csv"
    bad.write_text("组织编号,组织名称,组织类型,所属社区\no1,,机关,c9\n", encoding="utf-8")

    assert _run("registry", "import", str(bad), str(places)) == 1
    out, err = capsys.readouterr()
    assert f"{places}: 已导入 2 行" in out
    assert "组织.csv!第2行 组织名称: 必填项为空" in err
    assert '组织.csv!第2行 所属社区: 未知的社区编号或名称 "c9"' in err
    assert "1 个文件未导入" in err

    bad.write_text(
        "组织编号,组织名称,组织类型,所属社区\no1,县教育局,机关,稷王社区\n", encoding="utf-8"
    )
    assert _run("registry", "import", "--dry-run", str(bad)) == 0
    assert "校验通过（未写入，--dry-run） 1 行" in capsys.readouterr().out


def test_export_writes_a_workbook_or_csv_files_that_import_back(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Export gives the office a workbook (or CSV files) it can edit and import again."""
    from db.sample import SAMPLE_DIR

    assert _run("registry", "import", str(SAMPLE_DIR)) == 0
    assert _run("registry", "export", str(tmp_path / "台账.xlsx")) == 0
    assert _run("registry", "export", "--format", "csv", str(tmp_path / "csv")) == 0
    out = capsys.readouterr().out
    assert "组织: 60 行" in out
    assert "社区工作者.csv: 50 行" in out
    assert _run("registry", "import", "--dry-run", str(tmp_path / "台账.xlsx")) == 0
    assert _run("registry", "import", str(tmp_path / "csv")) == 0
