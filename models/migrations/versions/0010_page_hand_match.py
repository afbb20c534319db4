"""who matched a page to a resident by hand, and the reader's match before it

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("resident_matched_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reader_resident_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_pages_resident_matched_by_id_users"), "users",
                                 ["resident_matched_by_id"], ["id"])
        batch.create_foreign_key(op.f("fk_pages_reader_resident_id_residents"), "residents",
                                 ["reader_resident_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_constraint(op.f("fk_pages_reader_resident_id_residents"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_pages_resident_matched_by_id_users"), type_="foreignkey")
        batch.drop_column("reader_resident_id")
        batch.drop_column("resident_matched_by_id")
