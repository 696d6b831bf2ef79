"""Alembic environment of the portal: runs on the connection ``portal.migrate`` hands over.

There is no ``alembic.ini``: :mod:`portal.migrate` builds the configuration in
code (``script_location = portal:migrations``), so an installed portal finds
its migrations inside the package, and passes an open connection in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from portal.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
