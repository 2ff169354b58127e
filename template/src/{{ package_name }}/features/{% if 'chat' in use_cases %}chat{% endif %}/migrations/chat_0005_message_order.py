"""A conversation's messages by (conversation, id): a turn reads its recent history newest
first, and a page of messages its rows in order, each without reading the rest.

The index replaces the one on ``conversation_id`` alone, which it covers.

Revision ID: chat_0005 (0011 until v0.3.0)
Revises: chat_0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "chat_0005"
renamed_from: str = "0011"  # its id until v0.3.0 (admin migrate re-stamps it)
down_revision: str | None = "chat_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_conversation_id_id", "messages", ["conversation_id", "id"], unique=False
    )
    op.drop_index("ix_messages_conversation_id", table_name="messages")


def downgrade() -> None:
    op.create_index("ix_messages_conversation_id", "messages", ["conversation_id"], unique=False)
    op.drop_index("ix_messages_conversation_id_id", table_name="messages")
