"""``templat periksa`` reads the sample letter's layout from PDF positions: a NIK that wraps, a label that
wraps and a table wider than the text are refused, each named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import Cli


def _table_with(document: Any, text: str) -> Any:
    for table in document.tables:
        if any(text == cell.text.strip() for row in table.rows for cell in row.cells):
            return table
    raise AssertionError(f"tabel dengan sel {text!r} tidak ada")


def _set_width(table: Any, column: int, cm: float) -> None:
    from docx.shared import Cm

    table.columns[column].width = Cm(cm)
    for cell in table.columns[column].cells:
        cell.width = Cm(cm)


def _damage(template: Path, cell: str, column: int, cm: float) -> None:
    import docx

    document = docx.Document(str(template))
    _set_width(_table_with(document, cell), column, cm)
    document.save(str(template))


def test_wrapped_nik_label_and_wide_table_are_refused(kantor: Path, cli: Cli) -> None:
    """One run, three services (one LibreOffice): pindah's NIK column too narrow for 16 digits, skck's
    label column too narrow for "Tempat/Tanggal Lahir", sktm's data table 4 cm wider than the text."""
    for sop in (kantor / "sop").glob("*.yaml"):
        if not sop.name.startswith("_") and sop.stem not in ("pindah", "skck", "sktm"):
            sop.unlink()
    templat = kantor / "templat"
    _damage(templat / "pindah.docx", "Hubungan", 2, 2.2)  # the family table's NIK column
    _damage(templat / "skck.docx", "Tempat/Tanggal Lahir", 0, 2.6)
    import docx

    document = docx.Document(str(templat / "sktm.docx"))
    table = _table_with(document, "Alamat")
    _set_width(table, 2, table.columns[2].width.cm + 4.0)
    from docx.oxml.ns import qn

    total = table._tbl.tblPr.find(qn("w:tblW"))  # the table's own width, else the columns are squeezed back
    total.set(qn("w:w"), str(int(total.get(qn("w:w"))) + int(4.0 * 567)))
    document.save(str(templat / "sktm.docx"))

    result = cli("templat", "periksa", "--json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    payload = json.loads(result.stdout)
    layout: dict[str, list[str]] = {}
    for problem in payload["masalah"]:
        if problem["jenis"] == "tata_letak":
            layout.setdefault(problem["layanan"], []).append(problem["pesan"])
    assert set(layout) == {"pindah", "skck", "sktm"}, payload["masalah"]
    assert any("data.anggota[].nik" in m and "terpotong" in m and "6201054507900001" not in m  # masked
               for m in layout["pindah"]), layout["pindah"]
    assert any("label tabel «Tempat/Tanggal Lahir» terpotong" in m for m in layout["skck"]), layout["skck"]
    assert all(m.startswith("skck.docx: ") for m in layout["skck"])
    assert any("melewati margin" in m for m in layout["sktm"]), layout["sktm"]
    assert not any("terpotong" in m for m in layout["sktm"]), layout["sktm"]  # only what is wrong is named
    human = cli("templat", "periksa", "skck", "--tanpa-pdf")
    assert human.exit_code == 0  # the placeholders are fine: it is the layout that is wrong
