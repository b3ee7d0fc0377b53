"""job publication: jobs.published_at and jobs.published_by_id

City staff publish a successful plan / propose / replace job so that viewers
(council staff) and other districts read its shareable results
(:mod:`service.publication`). Existing jobs stay unpublished (both columns NULL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch: SQLite cannot add a foreign key to an existing table, so Alembic copies
    # the table there (rows kept); PostgreSQL gets plain ALTER TABLE statements.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("published_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_jobs_published_by_id_users", "users", ["published_by_id"], ["id"]
        )
        batch.create_index("ix_jobs_published_at", ["published_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_published_at")
        batch.drop_constraint("fk_jobs_published_by_id_users", type_="foreignkey")
        batch.drop_column("published_by_id")
        batch.drop_column("published_at")
