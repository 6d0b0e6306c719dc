"""Matches shown in their text: a title's matched runs, a body's snippet around its densest
cluster of matches, and those runs as one line.

The search matches folded text (portalcrawl.text.normalise.fold), which maps each character of
the NFC text to one character: a match's offsets in the folded text are its offsets in the
text as stored, so the runs are cut from the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import islice

from portalcrawl.text.normalise import fold_offsets

SNIPPET_CHARS = 220
MAX_SPANS = 500  # matches looked at per snippet: enough to find a dense window
PLAIN_MARKS = ("«", "»")
ANSI_MARKS = ("\x1b[1;33m", "\x1b[0m")
_SPACE = re.compile(r"\s+")

Segment = tuple[str, bool]  # (text, is_match)


def highlight(text: str, pattern: re.Pattern[str]) -> list[Segment]:
    """The whole text split into matched and unmatched runs (offsets via fold's 1:1 mapping)."""
    original = unicodedata.normalize("NFC", text or "")
    spans = [m.span() for m in pattern.finditer(fold_offsets(original))]
    return _segments(original, spans, 0, len(original))


def snippet(text: str, pattern: re.Pattern[str], width: int = SNIPPET_CHARS) -> list[Segment]:
    """About `width` characters around the densest cluster of matches, matches marked."""
    original = unicodedata.normalize("NFC", text or "")
    folded = fold_offsets(original)
    spans = [m.span() for m in islice(pattern.finditer(folded), MAX_SPANS)]
    best = _densest(folded, spans, width)
    start = max(0, spans[best][0] - width // 4) if spans else 0
    start = _word_edge(original, start, -1)
    end = _word_edge(original, min(len(original), start + width), +1)
    segments = _segments(original, spans, start, end)
    if start > 0:
        segments.insert(0, ("… ", False))
    if end < len(original):
        segments.append((" …", False))
    return segments


def _densest(folded: str, spans: list[tuple[int, int]], width: int) -> int:
    """Index of the span that starts the window with the most distinct matched words."""
    words = [folded[a:b] for a, b in spans]
    counts: Counter[str] = Counter()
    best = best_distinct = 0
    right = 0
    for left, (start, _) in enumerate(spans):
        while right < len(spans) and spans[right][0] < start + width:
            counts[words[right]] += 1
            right += 1
        if len(counts) > best_distinct:
            best, best_distinct = left, len(counts)
        counts[words[left]] -= 1
        if not counts[words[left]]:
            del counts[words[left]]
    return best


def _word_edge(text: str, pos: int, step: int, reach: int = 20) -> int:
    """Move pos to the nearest white space in direction step, within reach characters."""
    for offset in range(reach):
        at = pos + step * offset
        if at <= 0 or at >= len(text):
            return max(0, min(at, len(text)))
        if text[at - 1 if step < 0 else at].isspace():
            return at
    return pos


def _segments(text: str, spans: list[tuple[int, int]], start: int, end: int) -> list[Segment]:
    out: list[Segment] = []
    cursor = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if a > cursor:
            out.append((_SPACE.sub(" ", text[cursor:a]), False))
        out.append((text[a:b], True))
        cursor = b
    if cursor < end:
        out.append((_SPACE.sub(" ", text[cursor:end]), False))
    if out and not out[0][1]:
        out[0] = (out[0][0].lstrip(), False)
    if out and not out[-1][1]:
        out[-1] = (out[-1][0].rstrip(), False)
    return [seg for seg in out if seg[0]]


def render_segments(segments: list[Segment], marks: tuple[str, str] = PLAIN_MARKS) -> str:
    """Segments as one line, matches wrapped in marks (« » by default, ANSI_MARKS on a TTY)."""
    return "".join(f"{marks[0]}{text}{marks[1]}" if hit else text for text, hit in segments)
