"""Alembic environment: runs on the connection travelmap hands over, or on sqlalchemy.url."""

from alembic import context
from sqlalchemy import Connection, create_engine

from travelmap import models  # noqa: F401  (registers every table on the metadata)
from travelmap.orm import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    """Run the migrations on one connection (batch mode so SQLite can alter tables)."""
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("travelmap's migrations run on the connection it hands over, or on sqlalchemy.url")
    with create_engine(url).begin() as conn:
        run(conn)
