"""a committed page's questionnaire answers the reader doubted, for a person's later look

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as table:
        table.add_column(sa.Column("follow_up", sa.JSON(), nullable=True))
        table.add_column(sa.Column("followed_up_by_id", sa.Integer(), nullable=True))
        table.add_column(sa.Column("followed_up_at", sa.DateTime(), nullable=True))
        table.create_foreign_key("fk_pages_followed_up_by_id_users", "users", ["followed_up_by_id"],
                                 ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pages") as table:
        table.drop_constraint("fk_pages_followed_up_by_id_users", type_="foreignkey")
        table.drop_column("followed_up_at")
        table.drop_column("followed_up_by_id")
        table.drop_column("follow_up")
