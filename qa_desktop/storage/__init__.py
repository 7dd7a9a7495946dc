"""Storage: the SQLite database through peewee."""
