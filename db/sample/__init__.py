"""The sample registry: a Jishan County (稷山县) slice, loaded on a first start when asked."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from db.importer import ImportReport, import_file
from db.registry import registry_is_empty

SAMPLE_DIR = Path(__file__).parent / "registry"


async def load_sample_registry(session: AsyncSession) -> ImportReport | None:
    """Import the sample registry and commit, unless a street is already registered (then None)."""
    if not await registry_is_empty(session):
        return None
    return await import_file(session, SAMPLE_DIR)
