"""The static site of changes a newsroom publishes as files (see build.py, render.py, paths.py)."""
