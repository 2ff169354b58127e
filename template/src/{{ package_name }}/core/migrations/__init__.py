"""Alembic migrations. Run them with the ``migrate`` admin task, never from ``serve``."""
