"""a bulk query's sealed numbers and its results kept in the blob store, by hash, so the
worker answering it may run on another machine than the API that received it

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from models import blobs

    with op.batch_alter_table("bulk_queries") as table:
        table.add_column(sa.Column("input_sha256", sa.String(64), nullable=True))
        table.add_column(sa.Column("result_sha256", sa.String(64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, input_path, result_path FROM bulk_queries "
                                      "WHERE input_path != '' OR result_path != ''")).all()
    for bulk_id, input_path, result_path in rows:
        # the files move into the store; a file already gone (answered, purged) stays gone
        stored = {column: blobs.put_file(Path(path))[0]
                  for column, path in (("input_sha256", input_path),
                                       ("result_sha256", result_path))
                  if path and Path(path).is_file()}
        if stored:
            connection.execute(sa.text("UPDATE bulk_queries SET "
                                       + ", ".join(f"{column} = :{column}" for column in stored)
                                       + " WHERE id = :id"), {**stored, "id": bulk_id})
    with op.batch_alter_table("bulk_queries") as table:
        table.drop_column("input_path")
        table.drop_column("result_path")


def downgrade() -> None:
    with op.batch_alter_table("bulk_queries") as table:  # the stored files stay in the store
        table.add_column(sa.Column("input_path", sa.String(512), nullable=False,
                                   server_default=""))
        table.add_column(sa.Column("result_path", sa.String(512), nullable=False,
                                   server_default=""))
        table.drop_column("input_sha256")
        table.drop_column("result_sha256")
