"""lots, ticket details, page timings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:25:10.454841
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("vaccine", sa.String(length=32), nullable=False),
        sa.Column("manufacturer", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("lot_number", name=op.f("uq_lots_lot_number")),
    )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("timings", sa.JSON(), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("municipality_code", sa.String(length=6), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("ticket_kind", sa.String(length=1), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("ticket_dose", sa.String(length=1), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("ticket_dose")
        batch_op.drop_column("ticket_kind")
        batch_op.drop_column("municipality_code")

    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("timings")
        batch_op.drop_column("read_at")

    op.drop_table("lots")
