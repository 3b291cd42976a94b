"""Registry export writes what the import reads: export, import and export again is lossless."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.exporter import export_csv, export_xlsx
from db.importer import import_file
from db.sample import SAMPLE_DIR, load_sample_registry
from db.sources import read_source
from tests.db.conftest import empty_database


async def test_export_then_import_round_trips(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, tmp_path: Path
) -> None:
    """A registry exported to Excel and imported elsewhere exports again byte for byte."""
    async with sessions() as session:
        await load_sample_registry(session)
        counts = await export_xlsx(session, tmp_path / "registry.xlsx")
    source = read_source(tmp_path / "registry.xlsx")
    assert source.errors == []
    assert counts == {data.where: len(data.rows) for data in source.sheets}

    await empty_database(engine)
    async with sessions() as session:
        await import_file(session, tmp_path / "registry.xlsx")
        await export_csv(session, tmp_path / "again", english_names=True)
    exported = {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}
    assert exported == {p.name: p.read_bytes() for p in SAMPLE_DIR.iterdir()}
