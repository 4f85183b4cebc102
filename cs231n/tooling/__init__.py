"""Our tooling: the ``cs231n`` command, the notebook runner, the results table, provenance."""
