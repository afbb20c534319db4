"""timestamps with their time zone, as the models declare them: six columns were made as
plain timestamps on PostgreSQL (UTC values without the zone)

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("notice_runs", "created_at"), ("notice_serials", "issued_at"),
           ("notice_serials", "withdrawn_at"), ("pages", "followed_up_at"),
           ("residents", "ledger_removed_at"), ("vaccine_master_entries", "added_at"))
"""SQLite keeps a timestamp as text either way: only PostgreSQL's columns change."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.DateTime(timezone=True),
                        postgresql_using=f"{column} AT TIME ZONE 'UTC'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.DateTime(),
                        postgresql_using=f"{column} AT TIME ZONE 'UTC'")
