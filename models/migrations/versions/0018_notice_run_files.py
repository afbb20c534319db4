"""a notice run rendered by a worker: its state, progress and files; what each serial's
letter says, kept for that worker

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice_runs") as table:
        table.add_column(sa.Column("state", sa.String(length=16), nullable=False,
                                   server_default="queued"))
        table.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("progress", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("csv_sha256", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    # runs before this revision wrote their files where the command line was told to (or
    # were printed elsewhere): none is waiting for a worker
    op.execute("UPDATE notice_runs SET state = 'done', progress = people")
    with op.batch_alter_table("notice_serials") as table:
        table.add_column(sa.Column("reminder", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        table.add_column(sa.Column("phase", sa.String(length=32), nullable=False,
                                   server_default=""))
        table.add_column(sa.Column("due_from", sa.Date(), nullable=True))
        table.add_column(sa.Column("due_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notice_serials") as table:
        table.drop_column("due_until")
        table.drop_column("due_from")
        table.drop_column("phase")
        table.drop_column("reminder")
    with op.batch_alter_table("notice_runs") as table:
        table.drop_column("finished_at")
        table.drop_column("csv_sha256")
        table.drop_column("pdf_sha256")
        table.drop_column("attempts")
        table.drop_column("progress")
        table.drop_column("reason")
        table.drop_column("state")
