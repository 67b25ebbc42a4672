"""Global options (before the command) and the decorator that maps errors to exit codes."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from sakti_cli.cli.errors import NEGATIVE, exit_code_for, unexpected
from sakti_cli.cli.output import PrivateOutput
from sakti_cli.core.errors import ConfigError, SaktiError, machine_problem

F = TypeVar("F", bound=Callable[..., Any])
JSON_OPT = Annotated[bool, typer.Option("--json", help="Keluaran JSON untuk skrip (stdout hanya JSON).")]


@dataclass
class Globals:
    kantor: Path | None = None
    petugas: str | None = None
    debug: bool = False
    tampilkan_nik: bool = False


GLOBALS = Globals()


def workspace() -> Any:
    from sakti_cli.office.workspace import find_workspace

    return find_workspace(GLOBALS.kantor)


def register_for(ws: Any) -> Any:
    from sakti_cli.core.privacy import tighten_workspace_folders
    from sakti_cli.office.workspace import clerk_name
    from sakti_cli.register.upkeep import open_register

    tighten_workspace_folders(ws.data_dir)

    return open_register(ws.register_dir, zone=ws.zone, actor=clerk_name(ws.config, GLOBALS.petugas),
                         lock_timeout=ws.config.register_settings.batas_tunggu_kunci, workspace=ws)


PASSPHRASE_PROMPTER: Callable[[str], str | None] | None = None
"""Tests inject a prompter here (as pyHanko's CLI lets them): it gets the whole label, request included."""


def passphrase_prompt(label: str) -> str | None:
    """Ask the signatory, hidden, only when a person is at a terminal. The lines before the last are
    what is about to be signed (:func:`sakti_cli.signatures.consent.signing_request`): shown first, on stderr, so
    the question is asked once for all of it and stdout stays data."""
    if PASSPHRASE_PROMPTER is not None:
        return PASSPHRASE_PROMPTER(label)
    if not sys.stdin.isatty():
        return None
    *shown, question = label.split("\n")
    for line in shown:
        typer.echo(line, err=True)
    value: str = typer.prompt(question, hide_input=True, err=True)
    return value


def confirm_prompt(question: str) -> bool | None:
    """Ask yes/no only when a person is at a terminal; None when nobody can answer."""
    if not sys.stdin.isatty():
        return None
    return bool(typer.confirm(question, default=False, err=True))


def confirmed(question: str, yes: bool, saran: str) -> bool:
    """A destructive step goes ahead when ``--ya`` was given or the person at the terminal says yes.

    Without a terminal and without ``--ya`` nobody can answer: a usage error (exit 2) with ``saran``."""
    from sakti_cli.core.errors import UsageError

    if yes:
        return True
    answer = confirm_prompt(question)
    if answer is None:
        raise UsageError(f"{question} Tanpa terminal, jawabannya harus diberikan dengan --ya.", saran=saran)
    return answer


def _record_reveal(name: str, kwargs: dict[str, Any]) -> None:
    from sakti_cli.core.privacy import record_reveal, reveal_target

    try:
        ws = workspace()
    except ConfigError:
        return  # no workspace (e.g. 'init'): there is no personal data to show
    objek, given = reveal_target(kwargs)
    record_reveal(register_for(ws), name, objek, given)


class Negative(Exception):
    """A command's negative answer (exit 1) after its result was printed."""


def command(func: F) -> F:
    """Run a command body; map core errors to their exit code, never show a traceback (unless --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("tampilkan_nik"):  # a listing's own --tampilkan-nik: the global one, after the command
            GLOBALS.tampilkan_nik = True
        out = PrivateOutput(bool(kwargs.get("json_out")), GLOBALS.tampilkan_nik)
        previous_umask = os.umask(0o077)  # every file a command writes is private to the office account
        try:
            if GLOBALS.tampilkan_nik:
                _record_reveal(func.__name__, kwargs)
            return func(out, *args, **kwargs)
        except Negative:
            raise typer.Exit(NEGATIVE) from None
        except SaktiError as exc:
            if GLOBALS.debug:
                traceback.print_exc()
            out.error(exc)
            raise typer.Exit(exit_code_for(exc)) from None
        except KeyboardInterrupt:
            out.err.print("Dihentikan.")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly, keep the details for --debug
            machine = machine_problem(exc)  # disk full, read-only: the machine's problem, not a bug
            if machine is not None:
                if GLOBALS.debug:
                    traceback.print_exc()
                out.error(machine)
                raise typer.Exit(exit_code_for(machine)) from None
            if GLOBALS.debug:
                raise
            error = unexpected(exc)
            out.error(error)
            raise typer.Exit(exit_code_for(error)) from None
        finally:
            os.umask(previous_umask)

    # Typer reads the signature: hide the injected ``out`` parameter and hand it resolved annotations
    # (the command modules use ``from __future__ import annotations``; their names are not ours).
    import inspect
    import typing

    hints = typing.get_type_hints(func, include_extras=True)
    signature = inspect.signature(func)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in list(signature.parameters.values())[1:]]
    setattr(wrapper, "__signature__", signature.replace(parameters=params, return_annotation=None))  # noqa: B010
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    delattr(wrapper, "__wrapped__")
    return wrapper  # type: ignore[return-value]
