"""Alembic migrations of the store (run by :func:`service.db.upgrade`)."""
