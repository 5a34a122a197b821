"""Storage: the async database handle, the hub's own tables and the migration runner."""
