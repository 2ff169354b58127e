"""Uploaded datasets.

Revision ID: analyze_0001 (0003 until v0.3.0)
Revises: (none: the base of the analyze branch)
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analyze_0001"
renamed_from: str = "0003"  # its id until v0.3.0 (admin migrate re-stamps it)
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("analyze",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
    )


def downgrade() -> None:
    op.drop_table("datasets")
