"""The package's layers (ARCHITECTURE.md, "Layers") held by a test: every import of every
module, read with ``ast`` (so imports inside functions and under TYPE_CHECKING count too),
goes only in an allowed direction, and no two modules import each other, however
indirectly."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dentally_setup

PACKAGE = "dentally_setup"
ROOT = Path(dentally_setup.__file__).parent

# The entry point: parses the command line and wires the parts together.
ENTRY = frozenset({"dentally_setup.app", "dentally_setup.__main__"})
# Small helpers any layer may use.
HELPERS = frozenset({
    "dentally_setup",  # __version__, APP_NAME
    "dentally_setup.redact",
    "dentally_setup.logsetup",
    "dentally_setup.resources",
    "dentally_setup.textsafe",  # escapes control characters in text from outside
    "dentally_setup.cappedread",  # reads a small outside file: regular only, capped
})

# Which layers each layer may import (besides itself and the helpers).
ALLOWED: dict[str, frozenset[str]] = {
    # The entry point also reads store.paths: the demo world it starts keeps its state in
    # the app's data folder (ARCHITECTURE.md lists gui, cli and sandbox only).
    "app": frozenset({"gui", "cli", "sandbox", "store"}),
    "gui": frozenset({"flow", "settings", "store", "portal"}),
    "cli": frozenset({"flow", "settings", "store", "portal"}),
    "flow": frozenset({"portal", "settings", "store"}),
    "portal": frozenset({"settings"}),
    "sandbox": frozenset({"portal", "settings"}),
    "settings": frozenset(),
    "store": frozenset(),
    # logsetup asks store.paths where the log folder is.
    "helpers": frozenset({"store"}),
}
# Single modules allowed one more layer than the rest of theirs.
EXTRA: dict[str, frozenset[str]] = {
    "dentally_setup.cli.sandbox_cmd": frozenset({"sandbox"}),  # `dentally-setup sandbox`
}


# What would let the GUI talk HTTP itself (ARCHITECTURE.md: gui "never [talks] to HTTP").
HTTP_MODULES = frozenset({"urllib.request", "http.client", "requests", "httpx", "urllib3"})


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports (a module of ours when it is one)
    line: int


def _module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(module: str, path: Path) -> Iterator[Import]:
    """Every import statement anywhere in the file: at the top, under TYPE_CHECKING and
    inside functions. ``from a import b`` counts as importing ``a.b`` when that is a module."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield Import(module, full if full in MODULES else base, node.lineno)


ALL_IMPORTS: list[Import] = [i for m, p in MODULES.items() for i in _imports(m, p)]
OURS: list[Import] = [i for i in ALL_IMPORTS
                      if i.target == PACKAGE or i.target.startswith(PACKAGE + ".")]


def layer(module: str) -> str:
    if module in ENTRY:
        return "app"
    if module in HELPERS:
        return "helpers"
    return module.split(".")[1]


def _allowed(imp: Import) -> bool:
    src, dst = layer(imp.module), layer(imp.target)
    if dst in (src, "helpers"):
        return True
    return dst in ALLOWED[src] | EXTRA.get(imp.module, frozenset())


def test_every_module_is_in_a_known_layer() -> None:
    unknown = {m for m in MODULES if layer(m) not in ALLOWED}
    assert not unknown, f"modules outside every layer: {sorted(unknown)}"
    # The parser sees what it must: a deferred import, and one under TYPE_CHECKING.
    seen = {(i.module, i.target) for i in OURS}
    assert ("dentally_setup.app", "dentally_setup.gui.run") in seen  # inside main()


def test_imports_go_only_in_allowed_directions() -> None:
    wrong = sorted(f"{i.module} (line {i.line}) imports {i.target}"
                   for i in OURS if not _allowed(i))
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_nothing_but_the_entry_point_imports_gui_or_cli() -> None:
    wrong = sorted(f"{i.module} imports {i.target}" for i in OURS
                   if layer(i.target) in ("gui", "cli") and layer(i.module) not in
                   ("app", layer(i.target)))
    assert not wrong, "\n".join(wrong)


def test_pages_do_not_import_the_wizard() -> None:
    """Pages ask for what they need through pages/services.py and report through their
    signals. (The wizard loads pages by name, registry.py, so the cycle check below would
    not see a page importing it.)"""
    wrong = sorted(f"{i.module} (line {i.line}) imports {i.target}" for i in OURS
                   if i.module.startswith("dentally_setup.gui.pages.")
                   and i.target in ("dentally_setup.gui.wizard", "dentally_setup.gui.run",
                                    "dentally_setup.gui.autopilot"))
    assert not wrong, "\n".join(wrong)


def test_the_gui_makes_no_http_call_itself() -> None:
    """The GUI asks flow/ (and through it the portal client) or the demo world."""
    wrong = sorted(f"{i.module} (line {i.line}) imports {i.target}" for i in ALL_IMPORTS
                   if layer(i.module) == "gui" and i.target in HTTP_MODULES)
    assert not wrong, "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [frozenset({"a", "b", "c"})]


def test_no_import_cycle_between_modules() -> None:
    """Every import counts, also those inside functions and under TYPE_CHECKING: a deferred
    import only postpones when a module loads, and a type-only import is still one module
    knowing the other. (A package's ``__init__`` run by importing one of its submodules is
    not counted: that is Python's loading order, not a dependency between the two.)"""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in OURS:
        if i.target in MODULES and i.target != i.module:
            graph[i.module].add(i.target)
    cycles = _cycles(graph)
    assert not cycles, f"modules that import each other: {sorted(sorted(c) for c in cycles)}"
