"""A batch streams its letters: nothing of a rendered letter outlives it (issue 15 §6, memory).

A rendered DOCX is a cyclic object graph (python-docx's parts and package) holding lxml trees in C memory
the collector does not count; left to the collector's rhythm, a 1,000-letter batch grew ~0.3 MB a letter.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from docx.opc.package import OpcPackage

from sakti_cli.documents.render import render_docx
from sakti_cli.issuance.context import letter_context, logo_path, template_path, verification_url
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.applications import find_application
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service


def _live_packages() -> int:
    return sum(1 for thing in gc.get_objects() if isinstance(thing, OpcPackage))


def test_rendered_letters_do_not_pile_up(kantor: Path, registered: Callable[..., str], tmp_path: Path) -> None:
    ws = find_workspace(kantor)
    service, person = load_service(ws.sop_dir, "sktm"), ws.signatory(None)
    reg = registered()
    with open_register(ws.register_dir, zone=ws.zone, actor="uji").transaction() as txn:
        record = find_application(txn, reg)
    context = letter_context(ws, service, record, person, "400/001/UJI/2026", "KODEUJI", datetime.now(ws.zone), None)
    enabled = gc.isenabled()
    gc.disable()  # no collection of the collector's own: only what the render frees itself counts
    try:
        before = _live_packages()
        for n in range(4):
            render_docx(template_path(ws, service), context, tmp_path / f"surat-{n}.docx",
                        qr_payload=verification_url(ws, "KODEUJI"), logo=logo_path(ws), kertas=ws.config.surat.kertas)
        after = _live_packages()
    finally:
        if enabled:
            gc.enable()
    assert after <= before + 1, (before, after)  # four letters rendered, at most one package left (a cache)
