"""Alembic environment shared by the hub and every plugin.

Each migration source (the hub, each plugin) keeps its own version table, so plugins have
independent histories and disabling one never leaves Alembic looking for unknown revisions.
The runner hands over an open connection; this file never creates engines itself.
"""

from alembic import context

config = context.config
connection = config.attributes["connection"]
version_table = config.attributes["version_table"]

context.configure(
    connection=connection,
    target_metadata=None,
    version_table=version_table,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
