"""Every job belongs to the owner of the API key that submitted it.

Existing rows belong to the anonymous owner (what a service without ``API_KEYS`` uses).

Revision ID: jobs_0002 (0005 until v0.3.0)
Revises: jobs_0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "jobs_0002"
renamed_from: str = "0005"  # its id until v0.3.0 (admin migrate re-stamps it)
down_revision: str | None = "jobs_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("owner", sa.String(length=64), server_default="anonymous", nullable=False)
        )
        batch.create_index(batch.f("ix_jobs_owner"), ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(batch.f("ix_jobs_owner"))
        batch.drop_column("owner")
