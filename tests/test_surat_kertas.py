"""One paper size per office (``[surat].kertas``, A4 or F4), set on every letter when it is made; the
shipped templates are all drawn on A4 with one set of margins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, Cli, example
from pdf_layout import layout_problems, numbers_in

from sakti_cli.office.workspace import PAPER_SIZES_CM, find_workspace

MARK = "CONTOH - TIDAK BERLAKU"


def _sections(docx: Path) -> list[tuple[float, ...]]:
    import docx as python_docx

    return [tuple(round(v.cm, 2) for v in (s.page_width, s.page_height, s.top_margin, s.bottom_margin,
                                           s.left_margin, s.right_margin, s.header_distance, s.footer_distance))
            for s in python_docx.Document(str(docx)).sections]


def _set_paper(kantor: Path, paper: str) -> None:
    toml = kantor / "sakti.toml"
    text = toml.read_text()
    assert '\nkertas = "A4"\n' in text  # written by 'sakti init', under [surat]
    toml.write_text(text.replace('\nkertas = "A4"\n', f'\nkertas = "{paper}"\n'))


def test_shipped_templates_are_a4_with_one_margin_set() -> None:
    layouts = {path.name: _sections(path) for path in sorted((REPO / "templat").glob("*.docx"))}
    assert len(layouts) == 7
    assert {tuple(s) for sections in layouts.values() for s in sections} == {
        (21.0, 29.7, 1.25, 2.0, 2.5, 2.0, 1.0, 0.8)}, layouts


def test_paper_is_configured_once_and_checked(kantor: Path, cli: Cli) -> None:
    assert find_workspace(kantor).config.surat.kertas == "A4"
    _set_paper(kantor, "F4")
    assert find_workspace(kantor).config.surat.kertas == "F4"
    _set_paper_text = (kantor / "sakti.toml").read_text().replace('\nkertas = "F4"\n', '\nkertas = "Letter"\n')
    (kantor / "sakti.toml").write_text(_set_paper_text)
    result = cli("kantor", "--json")
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert "kertas" in result.stdout + result.stderr


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_render_sets_the_office_paper_keeping_margins(kantor: Path, tmp_path: Path, paper: str) -> None:
    """The size is set on the rendered document whatever the template was drawn on (here an F4 one)."""
    import docx as python_docx
    from docx.shared import Cm

    from sakti_cli.documents.render import render_docx
    from sakti_cli.documents.template_lint import sample_context
    from sakti_cli.services.sop import load_service

    ws = find_workspace(kantor)
    drawn_f4 = tmp_path / "f4.docx"
    document = python_docx.Document(str(REPO / "templat" / "sktm.docx"))
    document.sections[0].page_width, document.sections[0].page_height = Cm(21.5), Cm(33.0)
    document.save(str(drawn_f4))
    context, _ = sample_context(ws, load_service(ws.sop_dir, "sktm"))
    out = tmp_path / "surat.docx"
    render_docx(drawn_f4, context, out, qr_payload="https://contoh/cek/X", logo=None, kertas=paper)
    [section] = _sections(out)
    assert section[:2] == PAPER_SIZES_CM[paper] and section[2:] == (1.25, 2.0, 2.5, 2.0, 1.0, 0.8)


def test_f4_office_letter_is_f4_and_marked_as_demo(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real letter of an F4 office, signed with the demo key: F4 pages, still within halaman_maks and
    the margins, its footer naming the demo issuer (never BSrE) and the CONTOH mark in its text."""
    from pypdf import PdfReader

    from sakti_cli.services.sop import load_service

    _set_paper(kantor, "F4")
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    cli.json("periksa", reg)
    issued = cli.json("terbitkan", reg)
    reader = PdfReader(issued["pdf"])
    width, height = (float(v) * 2.54 / 72 for v in (reader.pages[0].mediabox.width, reader.pages[0].mediabox.height))
    assert (round(width, 1), round(height, 1)) == (21.5, 33.0)
    assert len(reader.pages) <= load_service(kantor / "sop", "sktm").halaman_maks
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert text.count(MARK) >= 2  # top of the first page and the footer
    assert "diterbitkan oleh Kecamatan Arut Selatan (DEMO)" in text and "BSrE" not in text
    people = json.loads(example("sktm").read_text())["isian"]
    assert layout_problems(Path(issued["pdf"]), numbers_in(people)) == []
