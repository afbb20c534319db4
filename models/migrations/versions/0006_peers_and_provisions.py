"""peer municipalities, the provision record, moving out and death in the register

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("moved_out_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("died_on", sa.Date(), nullable=True))
    op.create_table(
        "peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("outbound_token_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_peers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peers")),
        sa.UniqueConstraint("code", name=op.f("uq_peers_code")),
        sa.UniqueConstraint("user_id", name=op.f("uq_peers_user_id")),
    )
    op.create_table(
        "bulk_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_code", sa.String(length=6), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("input_path", sa.String(length=512), nullable=False),
        sa.Column("result_path", sa.String(length=512), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_queries")),
    )
    op.create_table(
        "provisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("peer_code", sa.String(length=6), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("bulk_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_provisions_resident_id_residents")),
        sa.ForeignKeyConstraint(["bulk_id"], ["bulk_queries.id"],
                                name=op.f("fk_provisions_bulk_id_bulk_queries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisions")),
    )


def downgrade() -> None:
    op.drop_table("provisions")
    op.drop_table("bulk_queries")
    op.drop_table("peers")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("died_on")
        batch.drop_column("moved_out_on")
