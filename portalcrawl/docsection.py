"""A generated section of the README (schema, profile format, benchmark tables), rewritten in
place between its own start and end markers; the rest of the file is left as it is."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: str | Path, start: str, end: str, section: str) -> bool:
    """Put `section` (markers included) where `start` … `end` stands; True when it changed.
    A file without the markers is one error line (SystemExit), not a traceback."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    begin, finish = text.find(start), text.find(end)
    if begin < 0 or finish < begin:
        raise SystemExit(f"{path}: no {start} … {end} markers")
    new = text[:begin] + section + text[finish + len(end) :]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def replace_marked(path: str | Path, name: str, body: str) -> bool:
    """The same for a section marked `<!-- NAME:start -->` … `<!-- NAME:end -->` (the
    benchmarks' tables)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    return replace_section(path, start, end, f"{start}\n{body.rstrip()}\n{end}")
