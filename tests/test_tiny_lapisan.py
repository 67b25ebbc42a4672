"""Only the register knows its storage (issue 12 item 1): no module outside ``sakti_cli/register/`` names a
register file (the counters, the index shards, the partitions, the trail) or imports TinyDB, and inside the
register only the TinyDB backend (``register/tiny/``) imports it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sakti_cli"
REGISTER_FILE = re.compile(r"urutan\.json|(?<![\w.])indeks/|(?<![\w.])permohonan/|(?<![\w.])surat/[^/'\"]*\.json"
                           r"|(?<![\w.])audit/[^/'\"]*\.jsonl|(?<![\w.])riwayat/[^/'\"]*\.json|meta\.json")


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """The string literals of a module (f-strings whole), docstrings left out: they explain, they do not open files."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    inside_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append((node.lineno, ast.unparse(node)))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and id(node) not in inside_fstring):
            found.append((node.lineno, node.value))
    return found


def _outside_register() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if not p.is_relative_to(PACKAGE / "register")]


def test_the_pattern_catches_what_it_must() -> None:
    tree = ast.parse('x = f"surat/{bulan}.json"\ny = "data/register/urutan.json"\nz = f"audit/{m:%Y-%m}.jsonl"\n'
                     'ok = "data/surat/2026/11/a.pdf"\nalso = "berkas/permohonan.pdf"')
    assert [line for line, text in _strings(tree) if REGISTER_FILE.search(text)] == [1, 2, 3]


def test_no_module_outside_the_register_names_a_register_file() -> None:
    named = [f"{path.relative_to(PACKAGE.parent)}:{line}: {text}" for path in _outside_register()
             for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))) if REGISTER_FILE.search(text)]
    assert not named, "\n".join(named)


def test_tinydb_only_in_the_tinydb_backend() -> None:
    importing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "tinydb" or name.startswith("tinydb.") for name in names):
                importing.append(str(path.relative_to(PACKAGE)))
    assert importing and all(path.startswith("register/tiny/") for path in importing), importing
