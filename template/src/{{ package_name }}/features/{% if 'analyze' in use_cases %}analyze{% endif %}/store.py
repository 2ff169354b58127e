"""The datasets' queries: every read and write of the ``datasets`` table, scoped to an owner."""

from __future__ import annotations

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from ...core.database import write_session
from .models import Dataset


async def add(sessions: async_sessionmaker[AsyncSession], dataset: Dataset) -> None:
    async with write_session(sessions) as session:
        session.add(dataset)


async def owned(
    sessions: async_sessionmaker[AsyncSession], dataset_id: str, owner: str
) -> Dataset | None:
    """The owner's dataset, without its rows; None for another owner's, as for a missing one."""
    query = (
        select(Dataset)
        .options(defer(Dataset.rows))
        .where(Dataset.id == dataset_id, Dataset.owner == owner)
    )
    async with sessions() as session:
        return (await session.scalars(query)).one_or_none()


def of_owner(owner: str) -> Select[Dataset]:
    """The owner's datasets, without their rows: a query to page."""
    return select(Dataset).options(defer(Dataset.rows)).where(Dataset.owner == owner)


async def rows(sessions: async_sessionmaker[AsyncSession], query: Select[Dataset]) -> list[Dataset]:
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def remove(sessions: async_sessionmaker[AsyncSession], dataset_id: str, owner: str) -> None:
    async with write_session(sessions) as session:
        await session.execute(
            delete(Dataset).where(Dataset.id == dataset_id, Dataset.owner == owner)
        )
