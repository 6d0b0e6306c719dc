"""The house: no import cycles, monitor over portalcrawl only, and DESIGN.md's map is the tree."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from monitor.cli import COMMANDS
from tests.clirun import ROOT

PACKAGES = ("portalcrawl", "monitor")


def modules() -> dict[str, Path]:
    """Every module of the two packages by dotted name (a package by its __init__)."""
    found: dict[str, Path] = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules a module imports, at any depth in the file (lazy imports count)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from pkg import sub` imports the submodule; `from mod import name`, the module
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a name inside a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    for root in graph:
        if state.get(root):
            continue
        path, stack = [root], [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_import_graph_reads_every_kind_of_import() -> None:
    graph = import_graph()
    assert "portalcrawl.store.database" in graph["monitor.cli"]  # from X import Y
    assert "portalcrawl.site.discover" in graph["monitor.cli.run"]  # a lazy import in a command
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def test_there_are_no_import_cycles() -> None:
    assert cycle_in(import_graph()) is None


def test_portalcrawl_never_imports_monitor() -> None:
    offenders = {
        name: sorted(m for m in deps if m.split(".")[0] == "monitor")
        for name, deps in import_graph().items()
        if name.split(".")[0] == "portalcrawl"
    }
    assert {name: deps for name, deps in offenders.items() if deps} == {}


def mapped_paths() -> list[str]:
    """The files and folders DESIGN.md's map names, as paths from the repository root."""
    text = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    block = text.split("## Layout and the one-way flow", 1)[1].split("```", 2)[1]
    paths: list[str] = []
    folders: list[tuple[int, str]] = []  # (indent, folder) on the way down
    for line in block.splitlines():
        match = re.match(r"( *)(\S+)", line)
        if not match or not re.fullmatch(r"[\w.]+(/|\.py)", match[2]):
            continue  # a blank line or a description running on
        indent, entry = len(match[1]), match[2]
        while folders and folders[-1][0] >= indent:
            folders.pop()
        path = "/".join([f for _, f in folders] + [entry.rstrip("/")])
        paths.append(path + ("/" if entry.endswith("/") else ""))
        if entry.endswith("/"):
            folders.append((indent, entry.rstrip("/")))
    return paths


def test_every_mapped_file_and_folder_exists() -> None:
    mapped = mapped_paths()
    assert "portalcrawl/store/schema.py" in mapped and "monitor/cli/" in mapped
    assert [p for p in mapped if not (ROOT / p).exists()] == []


def test_every_module_and_folder_is_in_the_map() -> None:
    mapped = set(mapped_paths())
    actual = {str(p.relative_to(ROOT)) for p in modules().values()}
    actual |= {str(p.parent.relative_to(ROOT)) + "/" for p in modules().values()}
    assert sorted(actual - mapped) == []


STORE_TABLES = re.compile(
    r"\b(?:FROM|INTO|UPDATE|JOIN)\s+(?:runs|notices|deliveries|channel_state)\b", re.I
)


def test_the_monitor_writes_no_sql_on_the_tables_the_store_owns() -> None:
    """Queries on runs, notices, deliveries and channel_state are Store methods."""
    found = []
    for name, path in modules().items():
        if not name.startswith("monitor.") or name.startswith("monitor.localportal"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and STORE_TABLES.search(text):
                found.append(f"{name}:{node.lineno}")
    assert found == []


def test_the_cli_finds_every_command_in_the_module_that_holds_it() -> None:
    """monitor/cli's COMMANDS (commands imported when run) names each module's commands."""
    held = {}
    for path in sorted((ROOT / "monitor" / "cli").glob("*.py")):
        module = importlib.import_module(f"monitor.cli.{path.stem}")
        for command in getattr(module, "commands", ()):
            held[command.name] = path.stem
    assert held == COMMANDS
