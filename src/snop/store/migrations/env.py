"""Alembic environment: snop runs migrations itself on the connection it hands over."""

from __future__ import annotations

from alembic import context

from snop.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: use the URL given with -x url=...
    import sqlalchemy as sa

    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///snop.db")
    connection = sa.create_engine(url).connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
