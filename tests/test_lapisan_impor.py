"""The package's layers: no import cycle between sakti_cli modules, and each part imports only what it may.

Every ``import`` counts, at module level and inside functions (a function-level import only delays a
cycle to the first call); only ``if TYPE_CHECKING:`` blocks are left out, since they never run. Reads
the source (AST), imports nothing, so it runs in well under a second.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sakti_cli"

# What each part may import of sakti_cli besides itself (core is the floor, cli the top).
CORE = "sakti_cli.core"
CLI = "sakti_cli.cli"
CLI_ONLY_LIBRARIES = ("typer", "rich", "click")
# The register's TinyDB backend (register/tiny/: its engine, session, check, migrations) is the only reader of
# TinyDB files; everything else, the rest of the register too, goes through the register interface.
TINYDB_ALLOWED = ("sakti_cli.register.tiny",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: module level, in functions, in classes; not TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def _resolve(name: str) -> str | None:
    """The sakti_cli module a dotted name lands in (a name inside a module resolves to the module)."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


@cache
def _imports(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """(sakti_cli modules, top-level third-party names) one module imports."""
    path = _modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    inside: set[str] = set()
    outside: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in _modules() else base
                       for alias in node.names]
        for target in targets:
            if target == "sakti_cli" or target.startswith("sakti_cli."):
                resolved = _resolve(target)
                if resolved and resolved != module:
                    inside.add(resolved)
            else:
                outside.add(target.split(".")[0])
    return frozenset(inside), frozenset(outside)


def _graph() -> dict[str, frozenset[str]]:
    return {module: _imports(module)[0] for module in _modules()}


def _find_cycle(graph: dict[str, frozenset[str]]) -> list[str] | None:
    """One cycle as a path a -> b -> ... -> a, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_walk_sees_function_level_imports() -> None:
    """The checks below are only as good as the walk: it must see an import hidden in a function."""
    tree = ast.parse("import os\ndef f():\n    from sakti_cli.core import errors\nif TYPE_CHECKING:\n    import x\n")
    assert [type(node).__name__ for node in _import_nodes(tree)] == ["Import", "ImportFrom"]
    assert _find_cycle({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"})}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": frozenset({"b"}), "b": frozenset()}) is None
    assert "sakti_cli.issuance.pipeline" in _imports("sakti_cli.cli.surat")[0]  # imported inside a function


def test_no_import_cycle() -> None:
    cycle = _find_cycle(_graph())
    assert cycle is None, "siklus impor: " + " -> ".join(cycle or [])


def test_core_imports_only_core() -> None:
    wrong = {module: sorted(target for target in targets if not _in(target, CORE))
             for module, targets in _graph().items() if _in(module, CORE)}
    assert not {module: targets for module, targets in wrong.items() if targets}


def test_only_the_cli_imports_the_cli() -> None:
    wrong = {module: sorted(target for target in targets if _in(target, CLI))
             for module, targets in _graph().items() if not _in(module, CLI) and module != "sakti_cli.__main__"}
    assert not {module: targets for module, targets in wrong.items() if targets}


def test_typer_and_rich_only_in_the_cli() -> None:
    wrong = {module: sorted(set(_imports(module)[1]) & set(CLI_ONLY_LIBRARIES))
             for module in _modules() if not _in(module, CLI)}
    assert not {module: names for module, names in wrong.items() if names}


def test_tinydb_only_in_the_register() -> None:
    wrong = [module for module in _modules()
             if "tinydb" in _imports(module)[1] and not any(_in(module, allowed) for allowed in TINYDB_ALLOWED)]
    assert not wrong


def test_package_inits_import_nothing() -> None:
    """Importing sakti_cli.register.letters runs sakti_cli/register/__init__.py first: it stays a docstring."""
    heavy = [module for module, path in _modules().items()
             if path.name == "__init__.py" and any(_imports(module))]
    assert not heavy
