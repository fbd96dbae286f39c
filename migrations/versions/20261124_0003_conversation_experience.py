"""conversation experience: context cut point per conversation, merged message bursts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(
            sa.Column("dropped_turns", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_merged_into_id_messages"),
            "messages",
            ["merged_into_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_messages_merged_into_id_messages"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("dropped_turns")
