"""Uploaded datasets (the analyze use case): kept in the database, never on local disk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ...core.database import Base
from ...core.owners import ANONYMOUS
from ...core.timestamps import UtcDateTime, utcnow


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(
        String(64), index=True, default=ANONYMOUS, server_default=ANONYMOUS
    )
    name: Mapped[str] = mapped_column(String(200))
    columns: Mapped[list[str]] = mapped_column(JSON)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    row_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, server_default=func.now()
    )
