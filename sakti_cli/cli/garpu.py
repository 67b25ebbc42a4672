"""The served side of the fork server (sakti_cli.core.forkserver): what it imports once, how its child runs.

``sakti latar mulai`` starts it beside the LibreOffice pool (as ``python -m sakti_cli.cli.garpu``). It imports the
heavy modules of the served commands (:data:`SERVED`: the Typer app and every command module, pyHanko,
pypdf, docxtpl, the pipeline) and then forks a child per run of a client (sakti_cli.cli.launch). The child
runs the command through the same Typer app as a run of its own, so its register, audit, messages and exit
code are those of a run without the server. The server holds no passphrase: it never reads a request, and
a prompt is asked by the child on the client's terminal.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
import threading
from pathlib import Path
from typing import Any

# The commands a client hands to the fork server (the first word after the global options).
SERVED = frozenset({"terbitkan", "tandatangani", "ttd", "verifikasi"})

# Imported once in the server, before any fork: what the served commands import inside their functions
# (the command modules themselves come with the whole app). A name missing here only costs its import in
# each child.
PRELOAD = (
    "sakti_cli.issuance.pipeline", "sakti_cli.signatures.keys", "sakti_cli.signatures.sign",
    "sakti_cli.signatures.validate", "sakti_cli.signatures.consent", "sakti_cli.documents.render",
    "sakti_cli.documents.resident", "sakti_cli.documents.convert_pool", "sakti_cli.register.upkeep",
    "sakti_cli.office.workspace", "sakti_cli.services.sop", "sakti_cli.citizen",
    "pyhanko.sign", "pyhanko.sign.signers", "pyhanko.sign.validation", "pyhanko.pdf_utils.incremental_writer",
    "pyhanko.keys", "pyhanko_certvalidator", "pypdf", "pypdf.filters", "docxtpl", "docx", "jinja2.sandbox",
    "lxml.etree", "PIL.Image", "PIL.PngImagePlugin", "PIL.JpegImagePlugin", "PIL.GifImagePlugin",
    "PIL.BmpImagePlugin", "PIL.PpmImagePlugin", "segno", "phonenumbers", "yaml", "filelock", "tarfile",
    "pydantic.type_adapter", "typer._adapters", "aiohttp", "cryptography.hazmat.primitives.serialization.pkcs12",
)
LOCK_NAME = "garpu.kunci"
LOG_NAME = "garpu.log"


def preload() -> list[str]:
    """Import the app and :data:`PRELOAD`; the names that could not be imported (logged by the caller)."""
    from sakti_cli.cli.app import full_app

    full_app()
    missing = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def parse_templates(office: Path) -> int:
    """The office's letter templates parsed ahead, before any fork (documents.render.buka_di_muka): a served
    ``terbitkan`` then parses none for its trial and its letter. How many are held; 0 when the office's
    configuration or SOPs cannot be read now (each child then reads and reports them as a run would)."""
    from sakti_cli.documents.render import buka_di_muka
    from sakti_cli.issuance.context import template_path
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.services.sop import load_services

    try:
        ws = find_workspace(office)
        services = load_services(ws.sop_dir)
    except Exception:  # the children's own runs say what is wrong
        return 0
    paths = set()
    for service in services.values():
        with contextlib.suppress(Exception):
            paths.add(template_path(ws, service))
    return buka_di_muka(sorted(paths))


def warm_up(office: Path) -> dict[str, Any]:
    """What the libraries build lazily at a letter's first use, built once before any fork and so shared by
    every child (~20 ms of a served letter): one throwaway signature made and checked in a temporary folder
    with a key and certificate made for it (pyHanko's, asn1crypto's and cryptography's tables), the region
    data of phonenumbers and the code of the message templates. Nothing of the office is written; a failure
    only leaves the children to build it. What was warmed (``latar status``)."""
    import tempfile

    done: dict[str, Any] = {"tanda_tangan": False, "telepon": False, "pesan": 0}
    with contextlib.suppress(Exception), tempfile.TemporaryDirectory(prefix="sakti-garpu-") as tmp:
        done["tanda_tangan"] = _sign_once(Path(tmp))
    with contextlib.suppress(Exception):
        from sakti_cli.citizen.messages import wa_number

        done["telepon"] = wa_number("081234567890")[0] is not None
    with contextlib.suppress(Exception):
        done["pesan"] = _compile_messages(office)
    return done


def _sign_once(folder: Path) -> bool:
    from datetime import UTC, datetime

    from pypdf import PdfWriter

    from sakti_cli.signatures.pki import make_certificate_pair, write_demo_pki
    from sakti_cli.signatures.sign import load_pkcs12_signer, sign_pdf
    from sakti_cli.signatures.validate import verify_pdf

    now = datetime.now(UTC)
    pki = write_demo_pki(folder, make_certificate_pair(now=now, root_key_size=2048), "garpu", now=now)
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    with (folder / "a.pdf").open("wb") as out:
        writer.write(out)
    signer = load_pkcs12_signer(pki.signer_p12, b"garpu")
    sign_pdf(folder / "a.pdf", folder / "b.pdf", signer, reason="-", location="-", signer_name=None)
    return all(sig.ok for sig in verify_pdf(folder / "b.pdf", [pki.root_cert]).signatures)


def _compile_messages(office: Path) -> int:
    from sakti_cli.citizen.mail import TEMPLATE_KIND
    from sakti_cli.citizen.messages import KINDS, compile_ahead
    from sakti_cli.office.workspace import find_workspace

    return compile_ahead(find_workspace(office), (*KINDS, TEMPLATE_KIND))


def run_child(request: dict[str, Any]) -> int:
    """In the forked child, its stdio, folder and environment already the client's: the command, as
    ``sakti`` runs it; its exit code."""
    from sakti_cli.cli.app import main

    code: int
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    _end_threads()
    return code


def _end_threads() -> None:
    """What the interpreter does at a run's end before it exits: its exit hooks of threads (an idle
    ThreadPoolExecutor's workers are told to stop) and a join of every non-daemon thread. The child ends
    with os._exit, which does neither, so it asks the threading module for the same step
    (multiprocessing's forked children do so too)."""
    shutdown = getattr(threading, "_shutdown", None)
    if callable(shutdown):
        shutdown()
        return
    for thread in threading.enumerate():  # pragma: no cover - an interpreter without the step
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()


def serve(folder: Path, version: str, on_ready: Any = None) -> bool:
    """Be the fork server of ``folder`` until stopped; False when another one already serves it."""
    from sakti_cli.core.forkserver import ForkServer
    from sakti_cli.documents.resident import hold_lock, make_private

    make_private(folder)
    lock = hold_lock(folder, LOCK_NAME)
    if lock is None:
        return False
    try:
        missing = preload()
        if missing:
            sys.stderr.write(f"garpu: tidak terimpor: {', '.join(missing)}\n")
        held = parse_templates(folder.parent.parent)
        warm = warm_up(folder.parent.parent)
        gc.collect()
        gc.freeze()  # what was imported is never collected in a child: its pages stay shared, unscanned
        extra = threading.active_count() - 1
        if extra:  # a fork copies only this thread: a thread started by an import would be lost in children
            sys.stderr.write(f"garpu: {extra} thread lain berjalan setelah impor\n")
        server = ForkServer(folder, version, run_child,
                            lambda: {"modul": len(sys.modules), "templat": held, "dipanaskan": warm,
                            "kantor": str(folder.parent.parent)})
        server.serve(on_ready)
    finally:
        with contextlib.suppress(OSError):
            os.close(lock)
    return True


def _main(args: list[str]) -> int:
    """``python -m sakti_cli.cli.garpu RUNTIME_FOLDER`` (started by ``sakti latar mulai``): outside any
    Typer run, so a child starts its command from a clean slate."""
    from sakti_cli import __version__

    if len(args) != 1:
        sys.stderr.write("pemakaian: python -m sakti_cli.cli.garpu FOLDER_LATAR\n")
        return 2
    return 0 if serve(Path(args[0]), __version__) else 3


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
