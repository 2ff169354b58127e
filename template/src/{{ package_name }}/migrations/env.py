"""Alembic environment: run the migrations over the service's own async engine.

The ``migrate`` admin task passes the database URL, the engine factory and the table
metadata in ``config.attributes``, so this file needs no configuration of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

attributes = context.config.attributes
target_metadata: MetaData = attributes["target_metadata"]
create_engine: Callable[[str], AsyncEngine] = attributes["create_engine"]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


asyncio.run(_run_online(attributes["database_url"]))
