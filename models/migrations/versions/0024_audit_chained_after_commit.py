"""audit entries written sealed and chained after the commit, by one chainer at a time, so
no request's commit waits for the chain's lock

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as table:
        table.add_column(sa.Column("seal", sa.String(64), nullable=True))
        table.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        table.alter_column("prev_hash", existing_type=sa.String(64), nullable=True)
        table.alter_column("hash", existing_type=sa.String(64), nullable=True)
    op.execute("UPDATE audit_events SET seq = id")  # the chain's order so far was the ids'
    with op.batch_alter_table("audit_events") as table:
        table.create_unique_constraint(op.f("uq_audit_events_seq"), ["seq"])
    op.create_index("ix_audit_events_waiting", "audit_events", ["id"],
                    postgresql_where=sa.text("seq IS NULL"), sqlite_where=sa.text("seq IS NULL"))


def downgrade() -> None:
    waiting = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_events "
                                           "WHERE seq IS NULL"))
    if waiting:
        raise RuntimeError(f"{waiting} audit entries wait to be chained: run `yoshin audit "
                           "verify` (it chains them) before downgrading")
    op.drop_index("ix_audit_events_waiting", table_name="audit_events")
    with op.batch_alter_table("audit_events") as table:
        table.drop_constraint(op.f("uq_audit_events_seq"), type_="unique")
        table.alter_column("hash", existing_type=sa.String(64), nullable=False)
        table.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        table.drop_column("seq")
        table.drop_column("seal")
