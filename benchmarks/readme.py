"""A benchmark's table put into the README between its own markers, the rest left as is."""

from __future__ import annotations

from pathlib import Path


def update_readme(path: Path, name: str, table_md: str) -> None:
    """Replace what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->`."""
    start_mark, end_mark = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8")
    start, end = text.find(start_mark), text.find(end_mark)
    if start < 0 or end < start:
        raise SystemExit(f"{path}: no {start_mark} … {end_mark} markers")
    head, tail = text[: start + len(start_mark)], text[end:]
    path.write_text(f"{head}\n{table_md.rstrip()}\n{tail}", encoding="utf-8")
