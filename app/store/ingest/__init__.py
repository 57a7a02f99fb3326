"""Validated, transactional loaders: a bad file is rejected whole and the store is unchanged."""
