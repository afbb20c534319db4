"""the ledger items of the assessment's 別添2 a record keeps beside the dose (接種判定 and its
reason, 接種医, 接種量, 予診有無, 請求月, 実費徴収区分), and a lot's expiry

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("judgement", "judgement_reason", "doctor_name", "dose_ml", "screened",
           "claim_month", "fee")


def upgrade() -> None:
    with op.batch_alter_table("ledger_records") as batch:
        batch.add_column(sa.Column("judgement", sa.String(length=16), nullable=False,
                                   server_default="valid"))
        batch.add_column(sa.Column("judgement_reason", sa.Text(), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("doctor_name", sa.String(length=64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("dose_ml", sa.String(length=8), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("screened", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("claim_month", sa.String(length=7), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("fee", sa.String(length=8), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("lots") as batch:
        batch.add_column(sa.Column("expires_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.drop_column("expires_on")
    with op.batch_alter_table("ledger_records") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
