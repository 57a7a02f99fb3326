"""The OGC tests' real servers on the fixture data (SQLite and PostGIS: `server`,
`fixture_store`) and on the shipped dataset (`shipped_server`) are fixtures of tests/conftest.py,
shared by every module that only reads them."""
