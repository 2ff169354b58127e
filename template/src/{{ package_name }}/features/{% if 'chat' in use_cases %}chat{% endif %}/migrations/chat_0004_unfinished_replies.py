"""The LLM calls of replies that were never stored: a stream cut short, by its client
leaving or its provider failing. Their tokens (estimated where the provider did not report
them) and cost, for ``admin usage``.

Revision ID: chat_0004 (0010 until v0.3.0)
Revises: chat_0003
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "chat_0004"
renamed_from: str = "0010"  # its id until v0.3.0 (admin migrate re-stamps it)
down_revision: str | None = "chat_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unfinished_replies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("prompt_version", sa.String(length=100), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_unfinished_replies_owner", "unfinished_replies", ["owner"])
    op.create_index("ix_unfinished_replies_created_at", "unfinished_replies", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_unfinished_replies_created_at", table_name="unfinished_replies")
    op.drop_index("ix_unfinished_replies_owner", table_name="unfinished_replies")
    op.drop_table("unfinished_replies")
