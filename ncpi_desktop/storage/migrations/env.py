"""Alembic environment: runs on the connection handed over by storage.database.migrate."""

from alembic import context
from sqlmodel import SQLModel

from ncpi_desktop.storage import models  # noqa: F401 - registers the tables

target_metadata = SQLModel.metadata
config = context.config
connection = config.attributes.get("connection")

if connection is None:
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
