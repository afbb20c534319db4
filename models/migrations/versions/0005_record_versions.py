"""ledger record versions, voids and transfer origin

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_records") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=16), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "ledger_record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["ledger_records.id"],
                                name=op.f("fk_ledger_record_versions_record_id_ledger_records")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_ledger_record_versions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_record_versions")),
        sa.UniqueConstraint("record_id", "version",
                            name=op.f("uq_ledger_record_versions_record_id")),
    )
    records = sa.table("ledger_records", *(sa.column(name) for name in (
        "id", "vaccine", "dose_number", "vaccinated_on", "lot_number", "clinic_code", "source",
        "created_by_id", "created_at")))
    versions = sa.table("ledger_record_versions", sa.column("record_id"), sa.column("version"),
                        sa.column("action"), sa.column("state", sa.JSON()), sa.column("reason"),
                        sa.column("actor"), sa.column("user_id"), sa.column("at"))
    bind = op.get_bind()
    for row in bind.execute(sa.select(records)).mappings():
        state = {"vaccine": row["vaccine"], "dose_number": row["dose_number"],
                 "vaccinated_on": str(row["vaccinated_on"]), "lot_number": row["lot_number"],
                 "clinic_code": row["clinic_code"], "source": row["source"], "voided": False}
        bind.execute(versions.insert().values(
            record_id=row["id"], version=1, action="create", state=state,
            reason="", actor="system:migration", user_id=row["created_by_id"],
            at=row["created_at"]))


def downgrade() -> None:
    op.drop_table("ledger_record_versions")
    with op.batch_alter_table("ledger_records") as batch:
        for column in ("void_reason", "voided_at", "version", "origin"):
            batch.drop_column(column)
