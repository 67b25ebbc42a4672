"""The start-up path of ``sakti status REG``: the same answer as the Typer command, without Typer, pydantic or
(for ``--json``) Rich.

:func:`run` parses the arguments itself with the parameters Typer declares for the global options and for
``status`` (generated into sakti_cli/cli/index.py by 'make docs'), reads the office's checked snapshots of
``sakti.toml``, the SOP and the holiday calendar (sakti_cli/office/checked_status.py) instead of validating
those files, and shows the application with the command's own code (sakti_cli/cli/status_view.py). It
answers None, and the Typer path runs, for anything it does not take exactly as Typer would: another
command, an unknown or misspelt option, ``--help``, ``--version``, ``--debug``, ``--wa``, a missing snapshot
or one whose file changed, a PostgreSQL register, an error other than "not found" before anything was
written. Nothing is printed or written before it knows it will answer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from sakti_cli.cli.index import FAST_COMMANDS, GLOBAL_OPTIONS
from sakti_cli.core.errors import SaktiError

HANDLED = {"kantor_dir", "petugas", "tampilkan_nik", "reg", "json_out"}
"""The parameters this path implements; any other given (``--wa``, ``--debug``, ``--version``, a new one)
goes to Typer."""


class _FullPath(Exception):
    """Not answered here: the Typer path runs."""


class Request(NamedTuple):
    command: str
    values: dict[str, Any]


def _options(args: list[str], declared: dict[str, tuple[str, bool]], values: dict[str, Any],
             positional: list[str], stop_at_command: bool) -> int:
    """Read ``args`` as click does: options (``--x V``, ``--x=V``, flags) and positional words; the index of
    the command word when ``stop_at_command``, else len(args)."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("-"):
            flag, eq, inline = arg.partition("=")
            if flag not in declared:
                raise _FullPath  # unknown, a typo, --help, '--', '-x': Typer says it
            name, takes_value = declared[flag]
            if name not in HANDLED:
                raise _FullPath
            if takes_value:
                if eq:
                    value = inline
                elif index + 1 < len(args):
                    index += 1
                    value = args[index]
                else:
                    raise _FullPath  # the value is missing: Typer's usage error
                if not value or value.startswith("-"):
                    raise _FullPath
                values[name] = value
            elif eq:
                raise _FullPath  # a flag given a value: Typer's usage error
            else:
                values[name] = True
        elif stop_at_command:
            return index
        else:
            positional.append(arg)
        index += 1
    return index


def parse(argv: list[str]) -> Request | None:
    """The request when ``argv`` is a command of FAST_COMMANDS, given only parameters of HANDLED; else None."""
    values: dict[str, Any] = {}
    try:
        at = _options(argv, GLOBAL_OPTIONS, values, [], stop_at_command=True)
        if at >= len(argv) or argv[at] not in FAST_COMMANDS:
            return None
        command = argv[at]
        arguments, declared = FAST_COMMANDS[command]
        positional: list[str] = []
        _options(argv[at + 1:], declared, values, positional, stop_at_command=False)
    except _FullPath:
        return None
    if len(positional) != len(arguments) or any(name not in HANDLED for name in arguments):
        return None  # a missing or extra argument: Typer's usage error
    values.update(zip(arguments, positional, strict=True))
    return Request(command, values)


def run(argv: list[str]) -> int | None:
    """The exit code of the command answered here, or None: run the Typer path."""
    request = parse(argv)
    if request is None:
        return None
    try:
        return _status(request.values)
    except _FullPath:
        return None


def _status(values: dict[str, Any]) -> int:
    from sakti_cli.core.text import unsafe_character

    petugas: str | None = values.get("petugas")
    if petugas and unsafe_character(petugas) is not None:
        raise _FullPath  # Typer's usage error for --petugas
    reveal = bool(values.get("tampilkan_nik"))
    json_out = bool(values.get("json_out"))
    previous_umask = os.umask(0o077)  # as the command's wrapper (cli/state.py): every file written is private
    try:
        found = _read(values, reveal)
        return _answer(found, values, reveal, json_out)
    except KeyboardInterrupt:
        from sakti_cli.cli.output import PrivateOutput

        PrivateOutput(json_out, reveal).err.print("Dihentikan.")
        return 130
    finally:
        os.umask(previous_umask)


class _Found(NamedTuple):
    register: Any
    record: Any
    missing: SaktiError | None
    payload: dict[str, Any] | None
    service: Any
    zone: Any
    root: Path


def _read(values: dict[str, Any], reveal: bool) -> _Found:
    """Everything status shows, read before anything is written or printed; _FullPath on any doubt."""
    from sakti_cli.core.errors import NotFound

    try:
        from sakti_cli.core.clock import now, office_zone
        from sakti_cli.core.privacy import tighten_workspace_folders
        from sakti_cli.office.checked_status import recall_calendar, recall_config, recall_service
        from sakti_cli.office.location import clerk_from, locate_workspace
        from sakti_cli.register.lookup import find_application
        from sakti_cli.register.pg.url import register_url

        kantor = values.get("kantor_dir")
        root, _how = locate_workspace(Path(kantor) if kantor else None)
        config = recall_config(root)
        if config is None or register_url(config.register_url) is not None:
            raise _FullPath  # no current snapshot of sakti.toml, or the register is PostgreSQL's
        zone = office_zone(config.zona_waktu)
        tighten_workspace_folders(root / "data")
        from sakti_cli.register.upkeep import open_tiny_register

        register = open_tiny_register(root / "data" / "register", zone=zone,
                                      actor=clerk_from(values.get("petugas"), config.petugas),
                                      lock_timeout=config.batas_tunggu_kunci)
        try:
            with register.reading() as txn:
                record = find_application(txn, values["reg"])
        except NotFound as exc:
            return _Found(register, None, exc, None, None, zone, root)
        service = recall_service(root, record["layanan"])
        calendar = recall_calendar(root)
        if service is None or calendar is None:
            raise _FullPath
        from sakti_cli.cli.status_view import application_payload
        from sakti_cli.services.rules.workdays import service_clock

        payload = application_payload(record, service, reveal, root)
        payload["waktu_layanan"] = service_clock(zone, service.jangka_waktu, record, now(zone), lambda: calendar)
        return _Found(register, record, None, payload, service, zone, root)
    except _FullPath:
        raise
    except Exception:  # the full path says it (its own message, exit code, --debug traceback)
        raise _FullPath from None


def _answer(found: _Found, values: dict[str, Any], reveal: bool, json_out: bool) -> int:
    from sakti_cli.cli.errors import exit_code_for
    from sakti_cli.cli.output import PrivateOutput

    out = PrivateOutput(json_out, reveal)
    if reveal:  # the audit event first, as the command's wrapper writes it (cli/state.py)
        from sakti_cli.core.privacy import record_reveal, reveal_target

        try:
            record_reveal(found.register, "status", *reveal_target({"reg": values["reg"], "json_out": json_out,
                                                                      "wa": False}))
        except SaktiError as exc:
            out.error(exc)
            return exit_code_for(exc)
        except Exception:  # nothing recorded, nothing printed: the full path tries and says it
            raise _FullPath from None
    if found.missing is not None:
        out.error(found.missing)
        return exit_code_for(found.missing)
    from sakti_cli.cli.status_view import status_human

    assert found.payload is not None
    try:
        out.result(found.payload, status_human(found.payload, found.service, found.zone, found.root))
    except Exception as exc:  # as the command's wrapper says it (cli/state.py): the machine's, or a bug
        from sakti_cli.cli.errors import unexpected
        from sakti_cli.core.errors import machine_problem

        machine = machine_problem(exc)
        out.error(machine or unexpected(exc))
        return exit_code_for(machine) if machine is not None else 4
    return 0
