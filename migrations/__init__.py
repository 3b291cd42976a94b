"""Alembic migrations of the project database; ``db.migrate.upgrade`` runs them."""
