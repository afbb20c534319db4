"""clinic accounts for digital submissions

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_clinics_user_id_users"), "users", ["user_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_clinics_user_id"), ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.drop_constraint(op.f("uq_clinics_user_id"), type_="unique")
        batch.drop_constraint(op.f("fk_clinics_user_id_users"), type_="foreignkey")
        batch.drop_column("user_id")
