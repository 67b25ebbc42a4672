"""Every 'sakti ...' the program tells staff to type names a command and options that exist.

The commands and their options come from the Typer app itself, so a renamed or removed option makes
every message that still names it fail here."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from sakti_cli.cli.app import app

SOURCE = Path(__file__).resolve().parent.parent / "sakti_cli"
# a command to type: quoted ('sakti periksa REG', `sakti ...`, a string that starts with it) or after a
# colon or two spaces ("Langkah berikut: sakti periksa REG"); prose about the program ("proses sakti lain",
# English docstrings) is not a command
MENTION = re.compile(r"(?:(?<=['`\"])|(?<=: )|(?<=  )|^)sakti((?:[ \t]+[^\s'\"`]+)+)")
# a mention ends where its quoted or f-string text ends, or at punctuation that closes a sentence
END = re.compile(r"['\"`]|\\n|[;,]\s|\)\s|\.\s|\.$")
PROSE = {"lain", "yang", "ini", "itu", "tidak", "sendiri", "dan", "akan", "dari", "baru", "versi", "lama"}


@functools.cache
def _tree() -> Any:
    command = typer.main.get_command(app)
    assert _is_group(command)
    return command


def _is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def _options(command: Any) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)
            if name.startswith("-")}


def _takes_value(command: Any, name: str) -> bool:
    for param in command.params:
        if name in param.opts and hasattr(param, "is_flag"):
            return not param.is_flag
    return False


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string of a module with its line: implicitly joined parts as one text (a command split
    over two source lines stays one), an f-string's fields as a placeholder word."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "X" for part in node.values)
            found.append((node.lineno, str(text)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def mentions() -> list[tuple[str, str]]:
    """(where, text after 'sakti') for every mention in the source's strings and docstrings."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for number, string in _strings(tree):
            for match in MENTION.finditer(string):
                text = END.split(match.group(1), maxsplit=1)[0]
                found.append((f"{path.relative_to(SOURCE.parent)}:{number}", text))
    return sorted(set(found))


def problem(text: str, root: Any) -> str | None:
    """None when ``sakti TEXT`` is a real command with real options; else what is wrong."""
    tokens = [t for t in text.split() if t not in ("...", "…")]
    while tokens and tokens[0].startswith("--"):  # global options: sakti --kantor DIR periksa
        name = tokens.pop(0).split("=")[0]
        if name not in _options(root) | {"--help"}:  # --help: answered by the entry point (cli/usage.py)
            return f"opsi global {name} tidak ada"
        if _takes_value(root, name) and tokens:
            tokens.pop(0)
    if not tokens or not re.fullmatch(r"[a-z][a-z-]*", tokens[0]) or tokens[0] in PROSE:
        return None  # prose ('proses sakti lain'), a file name, a placeholder
    command = root
    path = []
    while tokens and _is_group(command) and tokens[0] in command.commands:
        path.append(tokens[0])
        command = command.commands[tokens.pop(0)]
    if not path:
        return f"perintah '{tokens[0]}' tidak ada"
    if _is_group(command) and tokens and re.fullmatch(r"[a-z][a-z-]*", tokens[0]) \
            and not command.invoke_without_command:
        return f"perintah 'sakti {' '.join(path)} {tokens[0]}' tidak ada"
    known = _options(command) | _options(root) | {"--help"}
    for token in tokens:
        name = token.split("=")[0].rstrip(".:")
        if token.startswith("-") and re.fullmatch(r"--?[a-z][a-z0-9-]*", name) and name not in known:
            return f"'sakti {' '.join(path)}' tidak punya opsi {name}"
    return None


def test_mentions_are_found() -> None:
    texts = [text for _where, text in mentions()]
    assert len(texts) > 100
    assert any(t.startswith(" lengkapi") and "--berkas" in t for t in texts)


def test_the_checker_catches_a_wrong_command_or_option() -> None:
    root = _tree()
    assert problem(" periksa REG", root) is None
    assert problem(" --kantor DIR status REG", root) is None
    assert problem(" bersihkan --lebih-dari 365 --uji", root) is None
    assert problem(" terbitkan REG --berkas-sandi x", root) == "'sakti terbitkan' tidak punya opsi --berkas-sandi"
    assert problem(" cek REG", root) == "perintah 'cek' tidak ada"
    assert problem(" ttd setuju NOMOR", root) == "perintah 'sakti ttd setuju' tidak ada"
    assert problem(" --kunci x periksa", root) == "opsi global --kunci tidak ada"


@pytest.mark.parametrize(("where", "text"), mentions())
def test_every_mentioned_command_exists(where: str, text: str) -> None:
    assert problem(text, _tree()) is None, f"{where}: sakti{text}"


def test_every_option_named_anywhere_exists_somewhere() -> None:
    """An option named in prose ('pilih --dari lebih besar', 'dengan --berkas-sandi') belongs to some
    command; only LibreOffice's own command line (convert.py, convert_pool.py) and --help are outside the app."""
    known = {"--help"}

    def collect(command: Any) -> None:
        known.update(_options(command))
        for sub in (command.commands.values() if _is_group(command) else ()):
            collect(sub)

    collect(_tree())
    unknown = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name in ("convert.py", "convert_pool.py"):  # LibreOffice's own command line
            continue
        for number, string in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            # an option of another program the advice names (pkcs11-tool --list-objects) is not sakti's
            unknown += [f"{path.name}:{number}: {m.group(0)}"
                        for m in re.finditer(r"(?<![\w-])(?<!pkcs11-tool )--[a-z][a-z0-9-]+", string)
                        if m.group(0) not in known]
    assert unknown == []
