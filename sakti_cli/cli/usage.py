"""The entry point's half of the error contract: usage errors and help, said in Indonesian.

Typer (and the Click it bundles) writes its own usage errors and help headings in English and prints
nothing on stdout for ``--json``. The root group runs Typer non-standalone, catches what it raises
(only Typer's public names: ``typer.TyperException``, ``typer.Exit``, ``typer.Abort``, and the
exception's public attributes ``ctx``, ``param``, ``option_name``) and says it once here: the message
in Indonesian, the command's usage, "Coba 'sakti PERINTAH --help'", exit 2, and with ``--json``
exactly one JSON object on stdout. Typer's own text is kept as ``detail.pustaka`` in the JSON.

``--help`` is ours too: the root turns Typer's help option off (``help_option_names=[]``), so a
``--help`` anywhere is an unknown option whose context is the command asked about; its help text
(``ctx.get_help()``) is printed with the headings in Indonesian.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from sakti_cli.cli.errors import USAGE
from sakti_cli.core.errors import SaktiError, UsageError

HELP_FLAG = "--help"
HELP_LINE = "Tampilkan bantuan ini lalu keluar."

# Typer's plain help, line by line: headings, the usage line's placeholders, the bracketed extras.
_HEADINGS = {"Options:": "Opsi:", "Arguments:": "Argumen:", "Commands:": "Perintah:"}
_WORDS = [
    ("Usage: ", "Pemakaian: "), ("[OPTIONS]", "[OPSI]"), ("COMMAND [ARGS]...", "PERINTAH [ARGUMEN]..."),
    ("[required]", "[wajib]"), ("[default:", "[bawaan:"), ("; required]", "; wajib]"),
    ("[env var:", "[variabel:"), ("<int range>", "<angka>"), ("<int>", "<angka>"), ("<str>", "<teks>"),
    ("<path>", "<jalur>"), ("<float>", "<angka>"), ("<bool>", "<ya/tidak>"),
]


def _say(text: str) -> str:
    for english, ours in _WORDS:
        text = text.replace(english, ours)
    return text


def indonesian_help(text: str) -> str:
    """Typer's help text with its headings and placeholders in Indonesian, and our ``--help`` line; each
    section's descriptions realigned, since the Indonesian placeholders are not as long as Typer's."""
    out: list[str] = []
    section: list[list[str]] | None = None  # entries of the current section: [term, description lines...]
    for line in [*text.rstrip("\n").split("\n"), ""]:
        if line in _HEADINGS:
            out.append(_HEADINGS[line])
            section = []
            continue
        if section is None:
            out.append(_say(line))
            continue
        if line.strip():
            entry = re.match(r"  (\S.*?)(?:\s{2,}(\S.*))?$", line)
            if entry and not line.startswith("   "):
                section.append([_say(entry.group(1)), *([_say(entry.group(2))] if entry.group(2) else [])])
            elif section:
                section[-1].append(_say(line.strip()))
            continue
        if out[-1] == "Opsi:":
            section.append([HELP_FLAG, HELP_LINE])
        out.extend(_layout(section))
        out.append("")
        section = None
    if "Opsi:" not in out:
        at = out.index("Perintah:") if "Perintah:" in out else len(out)
        out[at:at] = ["Opsi:", *_layout([[HELP_FLAG, HELP_LINE]]), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _layout(entries: list[list[str]]) -> list[str]:
    """Two-column lines: each term, then its description from one column (as Typer lays them out)."""
    column = min(max((len(e[0]) for e in entries), default=0), 30) + 4
    lines = []
    for term, *description in entries:
        first = description[0] if description else ""
        if len(term) + 4 > column and first:  # a long term keeps its description on the next line
            lines += [f"  {term}", " " * column + first]
        else:
            lines.append(f"  {term}".ljust(column) + first if first else f"  {term}")
        lines += [" " * column + more for more in description[1:]]
    return lines


# --- usage errors ---------------------------------------------------------------------------------
def _param_name(param: Any) -> str:
    """An argument as the usage line shows it (REG), an option by its flags (--dari)."""
    if getattr(param, "param_type_name", "") == "argument":
        return str(getattr(param, "name", "") or "ARGUMEN").upper()
    opts = [str(o) for o in getattr(param, "opts", []) or []]
    return " / ".join(opts) or str(getattr(param, "name", "?"))


def _bad_value_reason(exc: Any) -> str:
    """Why a value was refused, in Indonesian: sakti's own words (:class:`SaktiUsage`), pydantic's reason by
    its type (Typer converts values with pydantic), or a plain statement when only Typer's English is known."""
    from pydantic import ValidationError

    from sakti_cli.core.validation import validation_problems

    if isinstance(exc, SaktiUsage):
        return str(exc.message)
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        return validation_problems(cause)[0]["pesan"]
    choice = re.match(r"Value (.+) is not a valid ", str(getattr(exc, "message", "") or ""))
    return f"{choice.group(1)} tidak termasuk pilihan" if choice else "nilai tidak dapat diterima"


def usage_message(exc: Any) -> tuple[str, str | None]:
    """(Indonesian message, what to do) for a Typer usage error, chosen by its kind."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchOption":
        extra = getattr(exc, "possibilities", None)
        hint = f"Mungkin maksudnya: {', '.join(sorted(extra))}." if extra else None
        if exc.option_name == "--json":  # a global position for a per-command option
            hint = "Tulis --json sesudah nama perintah, mis. 'sakti periksa REG --json'."
        return f"Opsi tidak dikenal: {exc.option_name}.", hint
    if kind == "MissingParameter":
        what = "Argumen" if getattr(exc.param, "param_type_name", "") == "argument" else "Opsi"
        return f"{what} {_param_name(exc.param)} wajib diberikan.", None
    if kind == "BadParameter" or isinstance(exc, typer.BadParameter):
        hint_name = exc.param_hint if isinstance(getattr(exc, "param_hint", None), str) else None
        name = hint_name or (_param_name(exc.param) if getattr(exc, "param", None) is not None else "")
        return f"Nilai {name} tidak dapat dipakai: {_bad_value_reason(exc)}.".replace("  ", " "), None
    if kind == "BadOptionUsage":
        if "requires" in message:
            return f"Opsi {exc.option_name} memerlukan nilai.", None
        if "does not take a value" in message:
            return f"Opsi {exc.option_name} tidak menerima nilai.", None
        return f"Opsi {exc.option_name} salah dipakai.", None
    extra_args = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra_args:
        return f"Argumen berlebih: {extra_args.group(1)}.", "Periksa urutan argumen; teks berspasi diberi tanda kutip."
    command = re.match(r"No such command '(.*?)'\.?(?: Did you mean (.+)\?)?", message)
    if command:
        hint = f"Mungkin maksudnya: {command.group(2)}." if command.group(2) else None
        return f"Perintah tidak dikenal: {command.group(1)}.", hint
    return "Perintah tidak dapat dijalankan seperti ini.", None


class Aborted(SaktiError):
    """A prompt that got no answer (Ctrl-D) or a confirmation refused: nothing was done."""

    kode = "DIBATALKAN"

    def __init__(self) -> None:
        super().__init__("Dibatalkan: pertanyaan tidak dijawab atau dibatalkan.",
                         saran="Ulangi perintahnya bila perlu.")


class SaktiUsage(typer.BadParameter):
    """A usage error sakti raises itself (in a callback), with an Indonesian message."""


def report_usage_error(exc: Any, ctx: Any, json_mode: bool) -> None:
    """Say a Typer usage error in Indonesian on stderr (usage line, message, "Coba ... --help"), and as one
    JSON object on stdout with ``--json``; ``ctx`` is the command it is about."""
    from sakti_cli.cli.state import GLOBALS, PrivateOutput

    pesan, hint = usage_message(exc)
    coba = f"Coba '{ctx.command_path} {HELP_FLAG}'."
    usage = indonesian_help(ctx.get_usage()).split("\n")[0]
    error = UsageError(pesan, saran=f"{hint} {coba}" if hint else coba, pustaka=exc.format_message(),
                       pemakaian=usage)
    out = PrivateOutput(json_mode, GLOBALS.tampilkan_nik)
    out.err.print(usage, markup=False, highlight=False)
    out.error(error)


def _json_requested(args: Sequence[str]) -> bool:
    """Whether ``--json`` was among the arguments (before a ``--``): known even when parsing failed."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


class SaktiGroup(TyperGroup):
    """The root ``sakti`` group: runs the commands non-standalone and answers usage errors and help itself."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        from sakti_cli.cli.output import open_closed_streams

        open_closed_streams()
        argv = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as exc:
            code = self._answer(exc, argv, prog_name)
        except typer.Abort:
            from sakti_cli.cli.state import GLOBALS, PrivateOutput

            PrivateOutput(_json_requested(argv), GLOBALS.tampilkan_nik).error(Aborted())
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def _answer(self, exc: Any, argv: list[str], prog_name: str | None) -> int:
        """The exit code of a Typer error, after saying it (or, for ``--help``, printing the help)."""
        ctx = getattr(exc, "ctx", None)
        kind = type(exc).__name__
        if kind == "NoSuchOption" and getattr(exc, "option_name", None) == HELP_FLAG and ctx is not None:
            sys.stdout.write(indonesian_help(ctx.get_help()))
            return 0
        if kind == "NoArgsIsHelpError" and ctx is not None:  # a group called without its command
            sys.stderr.write(indonesian_help(ctx.get_help()))
            return USAGE
        if ctx is None:  # raised while reading the global options: it is about 'sakti' itself
            ctx = typer.Context(self, info_name=prog_name or "sakti")
        report_usage_error(exc, ctx, _json_requested(argv))
        return int(getattr(exc, "exit_code", USAGE) or USAGE)
