"""Every conversation belongs to the owner of the API key that started it.

Existing rows belong to the anonymous owner (what a service without ``API_KEYS`` uses).

Revision ID: chat_0002 (0004 until v0.3.0)
Revises: chat_0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "chat_0002"
renamed_from: str = "0004"  # its id until v0.3.0 (admin migrate re-stamps it)
down_revision: str | None = "chat_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column("owner", sa.String(length=64), server_default="anonymous", nullable=False)
        )
        batch.create_index(batch.f("ix_conversations_owner"), ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index(batch.f("ix_conversations_owner"))
        batch.drop_column("owner")
