"""The scheduler's run history: ``ops_job_runs`` (one row per run of a recurring job).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_job_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("runner", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_job_runs")),
    )
    op.create_index(
        "ix_ops_job_runs_job_started", "ops_job_runs", ["job", "started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ops_job_runs_job_started", table_name="ops_job_runs")
    op.drop_table("ops_job_runs")
