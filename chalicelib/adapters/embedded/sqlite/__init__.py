"""The SQLite store, one module per aggregate; sqlite_store.SqliteStore composes them."""
