"""the register's postal code (郵便番号), so a mailing is sorted the way the post office takes it

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.add_column(sa.Column("postal_code", sa.String(length=8), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.drop_column("postal_code")
