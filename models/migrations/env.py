"""Alembic environment: runs on the connection `models.migrate` hands over, or on the
configured database when called from the alembic command line."""

from alembic import context

from models import Base
from models.db import get_engine


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        with get_engine().begin() as own:
            _migrate(own)
    else:
        _migrate(connection)


def _migrate(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
