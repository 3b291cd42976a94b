"""Registry import from office workbooks and CSV files: all rows checked, all or nothing."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.errors import ImportRejected
from db.importer import import_file
from db.tables import METADATA, Street
from tests.db.conftest import table, write_workbook

ORG_TYPES = (
    "机关、事业单位、国有企业、非公企业、个体工商户、社会组织、业主委员会、物业公司、商圈楼宇、"
    "新兴领域党组织"
)
SHEET_NAMES = (
    "街道、社区、网格、楼栋、组织、党员、党员中心户、中心户联系党员、大党委变动记录、大党委活动、"
    "报到记录、活动记录、社区工作者"
)
PLACES = {
    "街道": table("街道编号,街道名称\ns1,稷峰街道"),
    "社区": table(
        "序号,社区编号,社区名称,所属街道,常住人口\n1,c1,稷王社区,稷峰街道,12800人\n2,c2,新华社区,s1,9600"
    ),
}


def _valid_sheets() -> dict[str, list[list[object]]]:
    organisations = table("""
组织编号,组织名称,组织类型,所属社区,登记日期,是否加入大党委,加入日期,备注
o1,稷山县教育局,机关,稷王社区,,是,2025年3月1日,
o2,老王家面馆,个体经营户,c2,2019/7/8,否,,周末营业
o3,丰泽苑小区业主委员会,业委会,稷王社区,,,,
""")
    organisations[1][4] = date(2010, 5, 1)  # a real Excel date cell
    activities = table(
        "党员编号,所属社区,活动日期,活动名称,服务时长（小时）\nm2,稷王社区,,义务清扫,2.5"
    )
    activities[1][2] = 46100  # an Excel day number: 2026-03-18
    return PLACES | {
        "网格": table("网格编号,网格名称,所属社区\ng1,第一网格,稷王社区"),
        "楼栋": table("楼栋编号,所属网格编号,楼号,地址,单元数\nb1,g1,3号楼,丰泽苑小区3号楼,3"),
        "组织": organisations,
        "大党委变动记录": table(
            "组织编号,所属社区,加入日期,退出日期\no2,新华社区,2024-01-01,2025-01-01"
        ),
        "党员": table("""
党员编号,姓名,党员类别,所属社区,工作单位编号,流出地党组织,证明材料,职业,楼栋编号,单元
m1,王强,流动党员,稷王社区,,万荣县北甲村党支部,流动党员活动证,外卖骑手,b1,2单元
m2,李静,在职党员,稷王社区,o1,,,,,
m3,张秀英,居民党员,新华社区,,,,退休,,
"""),
        "报到记录": table("党员编号,报到社区,报到日期\nm2,稷王社区,2026.3.5"),
        "活动记录": activities,
        "社区工作者": table("""
工作者编号,姓名,出生日期,所属社区,岗位,学历,是否党员,岗位等级,入职日期
w1,畅明辉,1962-03-15,稷王社区,正职,本科,是,14级,2009-04-01
"""),
        "说明": [["本工作簿由社区办公室维护"]],
    }


async def _counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for stored in METADATA.sorted_tables:
        counts[stored.name] = await session.scalar(select(func.count()).select_from(stored)) or 0
    return counts


async def test_a_valid_workbook_fills_the_registry(session: AsyncSession, tmp_path: Path) -> None:
    """An office workbook with Chinese headers, labels and date styles loads as the office meant."""
    workbook = write_workbook(tmp_path / "稷峰街道台账.xlsx", _valid_sheets())
    report = await import_file(session, workbook, today=date(2026, 6, 1))
    assert report.rows == {
        "街道": 1, "社区": 2, "网格": 1, "楼栋": 1, "组织": 3, "党员": 3,
        "大党委变动记录": 1, "报到记录": 1, "活动记录": 1, "社区工作者": 1,
    }  # fmt: skip

    orgs = {o.id: o for o in await queries.list_organisations(session)}
    assert {k: (o.type, o.community_id) for k, o in orgs.items()} == {
        "o1": ("agency", "c1"),
        "o2": ("individual_business", "c2"),
        "o3": ("owners_committee", "c1"),
    }
    assert (orgs["o1"].registered_on, orgs["o2"].registered_on) == (
        date(2010, 5, 1),
        date(2019, 7, 8),
    )
    members = await queries.big_committee_members(session, "c1", date(2026, 6, 1))
    assert [o.id for o in members] == ["o1"]
    history = await queries.membership_history(session, "o2")
    assert [(s.joined_on, s.left_on) for s in history] == [(date(2024, 1, 1), date(2025, 1, 1))]
    floating = await queries.get_member(session, "m1")
    assert floating is not None
    assert (floating.kind, floating.credential, floating.building_id, floating.unit) == (
        "floating", "activity_card", "b1", "2单元",
    )  # fmt: skip
    evidence = await queries.cadre_evidence(session, "m2", 2026)
    assert (evidence.community_id, evidence.report_ins, evidence.hours) == (
        "c1", (date(2026, 3, 5),), 2.5,
    )  # fmt: skip
    worker = (await queries.workers_by_community(session, "c1"))[0]
    assert (worker.post, worker.education, worker.grade) == ("head", "bachelor", 14)

    before = await _counts(session)
    await import_file(session, workbook, today=date(2026, 6, 1))
    assert await _counts(session) == before, "importing the same file twice adds nothing"


async def test_every_error_is_reported_and_nothing_is_written(
    session: AsyncSession, tmp_path: Path
) -> None:
    """A workbook with mistakes is refused whole, each mistake named by sheet, row and column."""
    await import_file(session, write_workbook(tmp_path / "places.xlsx", PLACES))
    before = await _counts(session)
    sheets: dict[str, list[list[object]]] = {
        "统计表": [["合计"]],
        "街道": table("街道编号,街道名称\ns1,改名街道"),
        "组织": table("""
组织编号,组织名称,组织类型,所属社区,登记日期,是否加入大党委,加入日期,负责人
o1,稷山县教育局,机关,稷王社区,,是,2025-03-01,王
o2,某小店,个体户,稷王社区,,,,
o1,重复的组织,机关,稷王社区,,,,
o4,,机关,无此社区,,,,
o5,某公司,非公企业,c1,2025-13-01,,,
o6,某协会,社会组织,c1,,是,,
"""),
        "党员": table("""
党员编号,姓名,党员类别,工作单位编号,流出地党组织,证明材料
m1,王强,流动党员,,,
m2,李静,在职党员,,,
m3,张三,居民党员,o9,,护照
"""),
        "社区工作者": table("""
工作者编号,姓名,出生日期,所属社区,岗位,岗位等级,入职日期
w1,畅明辉,1962-03-15,稷王社区,正职,19级,2009-04-01
"""),
    }
    workbook = write_workbook(tmp_path / "有错误的台账.xlsx", sheets)
    with pytest.raises(ImportRejected) as refused:
        await import_file(session, workbook)
    assert [error.format() for error in refused.value.errors] == [
        f"统计表: 无法识别的表名; 可选: {SHEET_NAMES}",
        "组织!第1行 负责人: 未知的列; 可选: 组织编号、组织名称、组织类型、所属社区、登记日期、"
        "统一社会信用代码、地址、是否建立党组织、是否有党建联络员、联系人、联系电话、是否加入大党委、"
        "加入日期、退出日期",
        f'组织!第3行 组织类型: 未知的组织类型 "个体户"; 可选: {ORG_TYPES}',
        "组织!第4行 组织编号: 与第2行重复",
        "组织!第5行 组织名称: 必填项为空",
        '组织!第5行 所属社区: 未知的社区编号或名称 "无此社区"',
        '组织!第6行 登记日期: 不是有效的日期: "2025-13-01"（可用格式: 2024-03-01、2024/3/1、'
        "2024.3.1、2024年3月1日）",
        "组织!第7行 加入日期: 已加入大党委，须填加入日期",
        "党员!第2行 流出地党组织: 流动党员须填写流出地党组织",
        "党员!第2行 证明材料: 流动党员须填写证明材料（介绍信、证明信或活动证）",
        "党员!第3行 工作单位编号: 在职党员须填写工作单位编号",
        '党员!第4行 工作单位编号: 未知的组织编号 "o9"',
        '党员!第4行 证明材料: 未知的证明材料 "护照"; 可选: 介绍信、证明信、流动党员活动证',
        "社区工作者!第1行 学历: 缺少必填列",
        "社区工作者!第2行 岗位等级: 不能大于 18: 19",
    ]
    assert str(refused.value).startswith(f"{workbook}: 15 处错误，未写入任何数据\n统计表: ")
    assert await _counts(session) == before
    street = await session.get(Street, "s1")
    assert street is not None
    assert street.name == "稷峰街道"


async def test_csv_files_from_excel_and_dry_runs(session: AsyncSession, tmp_path: Path) -> None:
    """CSV saved by Excel (UTF-8 or GBK) imports too; a dry run checks it and writes nothing."""
    folder = tmp_path / "台账"
    folder.mkdir()
    (folder / "街道.csv").write_text("街道编号,街道名称\ns1,稷峰街道\n", encoding="utf-8-sig")
    (folder / "communities.csv").write_text(
        "社区编号,社区名称,所属街道\nc1,稷王社区,稷峰街道\n", encoding="gb18030"
    )
    report = await import_file(session, folder, dry_run=True)
    assert (report.dry_run, report.rows) == (True, {"街道.csv": 1, "communities.csv": 1})
    assert await queries.registry_is_empty(session)

    await import_file(session, folder)
    assert [c.name for c in await queries.list_communities(session)] == ["稷王社区"]

    bad = tmp_path / "组织.csv"
    bad.write_text(
        "组织编号,组织名称,组织类型,所属社区\no1,某店,小卖部,稷王社区\n", encoding="gb18030"
    )
    with pytest.raises(ImportRejected) as refused:
        await import_file(session, bad)
    assert [e.format() for e in refused.value.errors] == [
        f'组织.csv!第2行 组织类型: 未知的组织类型 "小卖部"; 可选: {ORG_TYPES}'
    ]
    unknown = tmp_path / "名单.csv"
    unknown.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"名单\.csv: 无法识别的表名"):
        await import_file(session, unknown)


async def test_the_organisation_sheet_records_joining_and_leaving(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Marking 是/否 in 是否加入大党委 opens or ends the spell; a blank changes nothing."""
    await import_file(session, write_workbook(tmp_path / "v1.xlsx", _valid_sheets()))
    changes = table("""
组织编号,组织名称,组织类型,所属社区,是否加入大党委,加入日期,退出日期
o1,稷山县教育局,机关,稷王社区,否,,2026-05-01
o2,老王家面馆,个体经营户,新华社区,是,2026-04-01,
o3,丰泽苑小区业主委员会,业主委员会,稷王社区,,,
""")
    await import_file(session, write_workbook(tmp_path / "v2.xlsx", {"组织": changes}))
    spells = {
        org: [(s.joined_on, s.left_on) for s in await queries.membership_history(session, org)]
        for org in ("o1", "o2", "o3")
    }
    assert spells == {
        "o1": [(date(2025, 3, 1), date(2026, 5, 1))],
        "o2": [(date(2024, 1, 1), date(2025, 1, 1)), (date(2026, 4, 1), None)],
        "o3": [],
    }
    o1 = await queries.get_organisation(session, "o1")
    assert o1 is not None
    assert o1.registered_on == date(2010, 5, 1), "columns left out of a sheet keep their values"
