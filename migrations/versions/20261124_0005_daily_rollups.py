"""daily rollups: per-day counts, token sums, latency histograms and user sets for the dashboard

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_daily_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("latency_hist", sa.Text(), nullable=False),
        sa.Column("ttft_hist", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_daily_inbound")),
    )
    op.create_index("ix_admin_daily_inbound_day", "admin_daily_inbound", ["day"])
    op.create_table(
        "admin_daily_replies",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cached_tokens", sa.BigInteger(), nullable=False),
        sa.Column("latency_hist", sa.Text(), nullable=False),
        sa.Column("ttft_hist", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_admin_daily_replies")),
    )
    op.create_table(
        "admin_daily_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_daily_users")),
    )
    op.create_index(
        "ix_admin_daily_users_day", "admin_daily_users", ["day", "kind", "language", "user_id"]
    )
    op.create_index("ix_admin_daily_users_user_id", "admin_daily_users", ["user_id"])
    op.create_table(
        "admin_rollup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_admin_rollup_days")),
    )


def downgrade() -> None:
    op.drop_table("admin_rollup_days")
    op.drop_index("ix_admin_daily_users_user_id", table_name="admin_daily_users")
    op.drop_index("ix_admin_daily_users_day", table_name="admin_daily_users")
    op.drop_table("admin_daily_users")
    op.drop_table("admin_daily_replies")
    op.drop_index("ix_admin_daily_inbound_day", table_name="admin_daily_inbound")
    op.drop_table("admin_daily_inbound")
