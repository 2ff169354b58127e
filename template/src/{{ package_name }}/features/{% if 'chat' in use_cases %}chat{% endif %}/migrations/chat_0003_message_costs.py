"""The cost of each stored reply, and its currency, from the price table.

Existing replies have none (null): ``admin usage`` counts them as unpriced.

Revision ID: chat_0003 (0008 until v0.3.0)
Revises: chat_0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "chat_0003"
renamed_from: str = "0008"  # its id until v0.3.0 (admin migrate re-stamps it)
down_revision: str | None = "chat_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("cost", sa.Float(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("currency")
        batch.drop_column("cost")
