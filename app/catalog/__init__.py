"""The in-memory read model: an immutable snapshot of the store, swapped whole on a new version."""
