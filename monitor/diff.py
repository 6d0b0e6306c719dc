"""Word-level diff of article text that shows edits and ignores what is not an edit.

Words are compared in text.normalise.comparison_words form, so Unicode form, spacing, zero-width
characters and tone-mark placement ("uỷ"/"ủy") never show up as changes: changed(old, new) is
True exactly when the comparison forms differ, which is what the store's content hash says.
The words shown are the real ones (NFC, cleaned): equal runs show the new text's words.

Ops are ("equal" | "delete" | "insert", text) with runs merged; a replace is a delete followed by
an insert. Inside a run, words are separated by " " or, where a paragraph starts, by "\\n\\n";
a run whose first word starts a paragraph begins with "\\n\\n". Paragraph breaks are display
only: adding or removing one is not an edit (the content hash ignores them too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from html import escape
from typing import Any, NamedTuple

from portalcrawl.text.compare import LIST_FIELDS, as_list
from portalcrawl.text.normalise import ZERO_WIDTH, clean_text, comparison_form, comparison_words
from portalcrawl.text.shown import show_bidi

BREAK = "\n\n"
PLAIN = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}
ANSI = {"delete": ("\x1b[31;9m", "\x1b[0m"), "insert": ("\x1b[32m", "\x1b[0m")}
HTML = {"delete": ("<del>", "</del>"), "insert": ("<ins>", "</ins>")}
ELLIPSIS = "…"
_PARAGRAPHS = re.compile(r"\n\s*\n")
_WORD = re.compile(r"\S+")

Op = tuple[str, str]


class _Token(NamedTuple):
    key: str
    word: str
    starts_paragraph: bool


def _tokens(text: str | None) -> list[_Token]:
    out: list[_Token] = []
    for paragraph in _PARAGRAPHS.split((text or "").translate(ZERO_WIDTH)):
        words = clean_text(paragraph).split()
        new_paragraph = bool(out)
        for key, word in zip(comparison_words(paragraph), words, strict=True):
            out.append(_Token(key, word, new_paragraph))
            new_paragraph = False
    return out


def _join(tokens: list[_Token]) -> str:
    return "".join((BREAK if t.starts_paragraph else " ") + t.word for t in tokens).lstrip(" ")


def word_diff(old: str | None, new: str | None) -> list[Op]:
    """Ops turning old into new, compared on comparison form, shown in real words."""
    before, after = _tokens(old), _tokens(new)
    matcher = SequenceMatcher(None, [t.key for t in before], [t.key for t in after], autojunk=False)
    runs: list[tuple[str, list[_Token]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts = [("equal", after[j1:j2])]
        else:
            parts = [("delete", before[i1:i2]), ("insert", after[j1:j2])]
        for kind, tokens in parts:
            if not tokens:
                continue
            if runs and runs[-1][0] == kind:
                runs[-1][1].extend(tokens)
            else:
                runs.append((kind, list(tokens)))
    return [(kind, _join(tokens)) for kind, tokens in runs]


def changed(old: str | None, new: str | None) -> bool:
    """True when word_diff would show a deletion or an insertion."""
    return comparison_words(old) != comparison_words(new)


def _shorten(ops: list[Op], context: int) -> list[Op]:
    out: list[Op] = []
    for index, (kind, text) in enumerate(ops):
        spans = list(_WORD.finditer(text))
        head = context if index > 0 else 0
        tail = context if index < len(ops) - 1 else 0
        if kind != "equal" or head + tail >= len(spans):
            out.append((kind, text))
            continue
        lead = BREAK if text.startswith(BREAK) and head else ""
        shown = text[spans[0].start() : spans[head - 1].end()] if head else ""
        rest = text[spans[-tail].start() :] if tail else ""
        out.append((kind, lead + " ".join(p for p in (shown, ELLIPSIS, rest) if p)))
    return out


def _render(ops: list[Op], marks: Mapping[str, tuple[str, str]]) -> str:
    pieces: list[str] = []
    after_delete_break = False
    for kind, text in ops:
        starts_break = text.startswith(BREAK)
        body = text[len(BREAK) :] if starts_break else text
        if pieces:
            same_spot = kind == "insert" and after_delete_break
            pieces.append(BREAK if starts_break and not same_spot else " ")
        if kind in marks:
            opening, closing = marks[kind]
            body = BREAK.join(f"{opening}{p}{closing}" for p in body.split(BREAK))
        pieces.append(body)
        after_delete_break = kind == "delete" and starts_break
    return "".join(pieces)


def _prepare(ops: list[Op], context: int | None) -> list[Op]:
    if context is None:
        return list(ops)
    if all(kind == "equal" for kind, _ in ops):
        return []
    return _shorten(list(ops), max(context, 0))


def render_plain(ops: list[Op], context: int | None = None) -> str:
    """Like `git diff --word-diff=plain`: [-removed-] {+added+}; context=N elides long equal runs.

    With context, equal runs keep N words next to each change, joined by " … ", and a diff
    without changes renders as "".
    """
    return _render(_prepare(ops, context), PLAIN)


def render_ansi(ops: list[Op], context: int | None = None) -> str:
    """Terminal form of render_plain: deletions red and struck through, insertions green."""
    return _render(_prepare(ops, context), ANSI)


def render_html(ops: list[Op], keep: Iterable[str] = ("equal", "delete", "insert")) -> list[str]:
    """The diff as HTML paragraphs: deletions in <del>, insertions in <ins>, text escaped with
    its bidi controls shown (portalcrawl.text.shown).

    `keep` picks the ops shown: ("equal", "delete") is the old side of a side-by-side view,
    ("equal", "insert") the new side."""
    kinds = set(keep)
    shown = [(kind, escape(show_bidi(text), quote=False)) for kind, text in ops if kind in kinds]
    return [p for p in _render(shown, HTML).split(BREAK) if p.strip()]


def _truncate(ops: list[Op], limit: int) -> str:
    rendered = _render(ops, PLAIN)
    if len(rendered) <= limit:
        return rendered
    for index, (kind, text) in enumerate(ops):
        spans = list(_WORD.finditer(text))
        fitted = ""
        for span in spans:
            attempt = _render([*ops[:index], (kind, text[: span.end()])], PLAIN)
            if len(attempt) > limit:
                break
            fitted = attempt
        else:
            continue
        if not fitted and not index:  # one word longer than limit: cut inside it
            fitted = _render([(kind, text[: max(limit - 4, 1)])], PLAIN)
        return (fitted or _render(ops[:index], PLAIN)) + " " + ELLIPSIS
    return rendered


def short_diff(old: str | None, new: str | None, context: int = 8, limit: int = 600) -> str:
    """The diff a notice or an email carries: plain, elided, cut near limit at a word boundary.

    Leading context shrinks (down to none) when it would push the first change past limit.
    """
    ops = word_diff(old, new)
    first = next((i for i, (kind, _) in enumerate(ops) if kind != "equal"), len(ops))
    shortened = _prepare(ops, context)
    for smaller in range(context - 1, -1, -1):
        if len(_render(shortened[: first + 1], PLAIN)) <= limit:
            break
        shortened = _prepare(ops, smaller)
    return _truncate(shortened, limit)


def list_changes(old: Any, new: Any) -> tuple[list[str], list[str]]:
    """(added, removed) items of a list field, each once, compared in comparison form: an
    item that only changed its Unicode form or spacing is neither (as for the content hash)."""
    before, after = as_list(old), as_list(new)
    old_keys = {comparison_form(i) for i in before}
    new_keys = {comparison_form(i) for i in after}
    added = list(dict.fromkeys(i for i in after if comparison_form(i) not in old_keys))
    removed = list(dict.fromkeys(i for i in before if comparison_form(i) not in new_keys))
    return added, removed


def _list_diff(old: Any, new: Any, limit: int) -> str:
    added, removed = list_changes(old, new)
    parts = [
        f"{label}: {', '.join(items)}"
        for label, items in (("added", added), ("removed", removed))
        if items
    ]
    text = "; ".join(parts)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut + " " + ELLIPSIS


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def field_diffs(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    fields: Iterable[str],
    context: int = 8,
    limit: int = 600,
) -> dict[str, str]:
    """short_diff per changed field; list fields (URLs, or JSON text of them) as added/removed."""
    out: dict[str, str] = {}
    for name in fields:
        before, after = old.get(name), new.get(name)
        if (
            name in LIST_FIELDS
            or isinstance(before, (list, tuple))
            or isinstance(after, (list, tuple))
        ):
            text = _list_diff(before, after, limit)
        elif changed(_as_text(before), _as_text(after)):
            text = short_diff(_as_text(before), _as_text(after), context, limit)
        else:
            text = ""
        if text:
            out[name] = text
    return out
