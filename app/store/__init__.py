"""The system of record: PostGIS in production, an embedded SQLite file by default."""
