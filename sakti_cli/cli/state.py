"""Global options (before the command) and the decorator that maps errors to exit codes."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from sakti_cli.cli.errors import NEGATIVE, exit_code_for
from sakti_cli.cli.output import Output
from sakti_cli.errors import SaktiError

F = TypeVar("F", bound=Callable[..., Any])
JSON_OPT = Annotated[bool, typer.Option("--json", help="Keluaran JSON untuk skrip (stdout hanya JSON).")]


@dataclass
class Globals:
    kantor: Path | None = None
    petugas: str | None = None
    debug: bool = False


GLOBALS = Globals()


def workspace() -> Any:
    from sakti_cli.office import find_workspace

    return find_workspace(GLOBALS.kantor)


def register_for(ws: Any) -> Any:
    from sakti_cli.registry import Register

    return Register(ws.register_dir, zone=ws.zone, actor=GLOBALS.petugas,
                    lock_timeout=ws.config.register_settings.batas_tunggu_kunci)


def passphrase_prompt(label: str) -> str | None:
    """Ask the signatory, hidden, only when a person is at a terminal."""
    if not sys.stdin.isatty():
        return None
    value: str = typer.prompt(label, hide_input=True)
    return value


class Negative(Exception):
    """A command's negative answer (exit 1) after its result was printed."""


def command(func: F) -> F:
    """Run a command body; map core errors to their exit code, never show a traceback (unless --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = Output(bool(kwargs.get("json_out")))
        try:
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
            if GLOBALS.debug:
                raise
            out.error(SaktiError(f"Kesalahan tak terduga: {type(exc).__name__}: {exc}",
                                 saran="Ulangi dengan 'sakti --debug ...' dan laporkan keluarannya."))
            raise typer.Exit(4) from None

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
