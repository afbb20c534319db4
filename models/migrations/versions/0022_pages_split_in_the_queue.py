"""a page may exist before its image: the upload records one page per page of the file and
the queue renders each (intake.splitting), so the upload is answered once the file is stored

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as table:
        table.alter_column("image_sha256", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("pages") as table:
        table.alter_column("image_sha256", existing_type=sa.String(length=64), nullable=False)
