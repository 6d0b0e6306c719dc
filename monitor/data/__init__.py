"""Data access for readers of the store: search, history, export, feeds."""
