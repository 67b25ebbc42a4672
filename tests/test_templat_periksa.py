"""``sakti templat periksa``: placeholders, required fields, and the signature block on the last page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, Cli

from sakti_cli.documents.template_lint import (
    context_shape,
    placeholder_problems,
    sample_context,
    template_references,
    unused_required,
)
from sakti_cli.services.sop import list_service_files, load_service_file

SKTM = REPO / "templat" / "sktm.docx"
FILLER = ("Menimbang bahwa keterangan ini disusun berdasarkan pemeriksaan berkas yang disampaikan pemohon "
          "kepada petugas pelayanan kecamatan, serta keterangan lurah atau kepala desa setempat yang "
          "menyatakan keadaan sosial ekonomi keluarga pemohon sebagaimana tercantum dalam surat pengantar.")


def _paragraph_with(document: object, text: str) -> object:
    for paragraph in document.paragraphs:  # type: ignore[attr-defined]
        if text in paragraph.text:
            return paragraph
    raise AssertionError(f"paragraf dengan {text!r} tidak ada di templat")


def spilling_template(target: Path, paragraphs: int = 2) -> Path:
    """sktm.docx with long filler paragraphs before the signature block: the block spills to page 2."""
    import docx

    document = docx.Document(str(SKTM))
    anchor = _paragraph_with(document, "Demikian surat keterangan ini dibuat")
    for _ in range(paragraphs):
        anchor.insert_paragraph_before(FILLER)  # type: ignore[attr-defined]
    document.save(str(target))
    return target


def misspelled_template(target: Path) -> Path:
    """sktm.docx whose purpose line says data.keperluan_surat (unknown) instead of data.keperluan
    (required, now unused), plus an unknown top-level name and an unknown kantor attribute."""
    import docx

    document = docx.Document(str(SKTM))
    paragraph = _paragraph_with(document, "{{ data.keperluan }}")
    runs = paragraph.runs  # type: ignore[attr-defined]
    for run in runs[1:]:
        run.text = ""
    runs[0].text = "Surat keterangan ini diberikan untuk keperluan {{ data.keperluan_surat }}."
    paragraph.insert_paragraph_before("Dicetak oleh {{ petugas }} di {{ kantor.kelurahan }}.")  # type: ignore[attr-defined]
    document.save(str(target))
    return target


def test_shipped_sktm_template_is_clean(kantor: Path, cli: Cli) -> None:
    payload = cli.json("templat", "periksa", "sktm")
    assert payload["ok"] is True and payload["masalah"] == [] and payload["jumlah_masalah"] == 0
    [report] = payload["templat"]
    assert report["status"] == "OK" and report["templat"] == "sktm.docx"
    assert report["halaman"] == 1 and report["halaman_ttd"] == 1 and report["halaman_maks"] == 2
    human = cli("templat", "periksa", "sktm")
    assert human.exit_code == 0, human.stderr
    assert "sktm.docx" in human.stdout and "OK" in human.stdout


def test_signature_block_pushed_to_page_two_is_caught(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    spilling_template(kantor / "templat" / "sktm.docx")
    sop = kantor / "sop" / "sktm.yaml"  # an office that wants its SKTM on one page
    sop.write_text(sop.read_text().replace("\nhalaman_maks: 2\n", "\nhalaman_maks: 1\n"))
    result = cli("templat", "periksa", "sktm", "--json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    layout = [p for p in payload["masalah"] if p["jenis"] == "tata_letak"]
    assert any("blok tanda tangan terdorong ke halaman 2" in p["pesan"] for p in layout), layout
    assert all(p["templat"] == "sktm.docx" and p["layanan"] == "sktm" for p in layout)
    assert payload["templat"][0]["halaman_ttd"] == 2
    human = cli("templat", "periksa", "sktm")
    assert human.exit_code == 1 and "MASALAH" in human.stdout and "terdorong ke halaman 2" in human.stdout


def test_unknown_placeholder_and_unused_required_field(kantor: Path, cli: Cli) -> None:
    misspelled_template(kantor / "templat" / "sktm.docx")
    payload = cli.json("templat", "periksa", "sktm", code=1)
    by_kind: dict[str, list[dict[str, str]]] = {}
    for problem in payload["masalah"]:
        by_kind.setdefault(problem["jenis"], []).append(problem)
    unknown = {p["placeholder"]: p["pesan"] for p in by_kind["placeholder"]}
    assert set(unknown) == {"data.keperluan_surat", "petugas", "kantor.kelurahan"}
    assert "bukan isian layanan sktm" in unknown["data.keperluan_surat"]
    assert "sktm.docx" in unknown["data.keperluan_surat"] and "{{ data.keperluan_surat }}" in unknown[
        "data.keperluan_surat"]
    [unused] = by_kind["isian_tidak_dipakai"]
    assert unused["placeholder"] == "data.keperluan" and "sktm.docx" in unused["pesan"]
    human = cli("templat", "periksa", "sktm", "--tanpa-pdf")
    assert human.exit_code == 1 and "data.keperluan_surat" in human.stdout


def test_unreadable_template_exits_4(kantor: Path, cli: Cli) -> None:
    (kantor / "templat" / "sktm.docx").write_bytes(b"bukan docx")
    result = cli("templat", "periksa", "sktm", "--json", "--tanpa-pdf")
    assert result.exit_code == 4, result.stderr
    payload = json.loads(result.stdout)
    assert payload["masalah"][0]["jenis"] == "tidak_terbaca" and "sktm.docx" in payload["masalah"][0]["pesan"]
    (kantor / "templat" / "sktm.docx").unlink()
    assert cli("templat", "periksa", "sktm", "--tanpa-pdf").exit_code == 4


def test_unknown_service_exits_3(kantor: Path, cli: Cli) -> None:
    result = cli("templat", "periksa", "paspor", "--json")
    assert result.exit_code == 3 and json.loads(result.stdout)["error"]["kode"] == "TIDAK_DITEMUKAN"


def test_every_shipped_template_uses_only_known_placeholders(kantor: Path, cli: Cli) -> None:
    """All services at once (no code), without LibreOffice: no unknown placeholder anywhere."""
    result = cli("templat", "periksa", "--tanpa-pdf", "--json")
    assert result.exit_code in (0, 1), result.stderr
    payload = json.loads(result.stdout)
    codes = sorted(p.stem for p in list_service_files(kantor / "sop"))
    assert [r["layanan"] for r in payload["templat"]] == codes
    assert [p for p in payload["masalah"] if p["jenis"] in ("placeholder", "sintaks", "tidak_terbaca")] == []


def test_loop_and_set_scopes_are_followed(kantor: Path, tmp_path: Path) -> None:
    """``{% for o in data.list %}`` binds o to the list's items; typos inside the loop are caught."""
    import docx

    sop = kantor / "sop" / "ahli-waris.yaml"
    if not sop.is_file():
        pytest.skip("layanan ahli-waris tidak ada di sop/")
    service = load_service_file(sop)
    document = docx.Document()
    document.add_paragraph("{% for o in data.ahli_waris %}{{ o.no }}. {{ o.nama }} {{ o.namaa }} "
                           "{{ loop.index }}{% endfor %}")
    document.add_paragraph("{% set p = data.saksi %}{{ p[0].alamat }} {{ p[0].alamt }}")
    document.add_paragraph("{{ data.nama_pewaris|upper }} {{ data.nama_pewaris.upper() }} {{ range(3)|list }}")
    document.add_paragraph("{{ data.ahli_waris.nama }}")
    template = tmp_path / "lingkup.docx"
    document.save(str(template))

    from sakti_cli.office.workspace import find_workspace

    ws = find_workspace(kantor)
    context, _ = sample_context(ws, service)
    shape = {**context_shape(context), "logo": None, "qr": None}
    refs = template_references(template)
    found = dict(placeholder_problems(service, template.name, refs, shape))
    assert set(found) == {"o.namaa", "p[0].alamt", "data.ahli_waris.nama"}, found
    assert "bukan isian butir ahli_waris" in found["o.namaa"]
    assert "adalah daftar" in found["data.ahli_waris.nama"]
    assert {s.kode for s in unused_required(service, refs)} >= {"nik_pewaris", "keperluan"}


def test_sample_uses_longest_realistic_values(kantor: Path) -> None:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.services.sop import load_service

    ws = find_workspace(kantor)
    context, person = sample_context(ws, load_service(ws.sop_dir, "sktm"))
    assert context["data"]["desa"] == max(ws.config.kantor.desa, key=len)
    assert len(context["data"]["keperluan"]) == 200  # panjang_maks of sop/sktm.yaml
    assert "September" in context["surat"]["tanggal"]
    assert person.nama == max((p.nama for p in ws.config.penandatangan), key=len)
    assert context["ttd"]["baris_an"].startswith("a.n.")  # the role that adds a line


def test_keeps_sample_pdf_when_asked(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "contoh-keluaran"
    cli.json("templat", "periksa", "sktm", "--simpan", str(folder))
    assert (folder / "contoh-sktm.pdf").read_bytes().startswith(b"%PDF")
    shutil.rmtree(folder)


def test_split_signature_block_is_named(kantor: Path, tmp_path: Path) -> None:
    """Name on page 1, NIP forced onto page 2: the block is reported as cut, with each part's page."""
    import docx
    from docx.enum.text import WD_BREAK

    from sakti_cli.documents.convert import Converter
    from sakti_cli.documents.template_lint import layout_problems

    context = {"surat": {"tempat_tanggal": "Pangkalan Bun, 30 September 2026"},
               "ttd": {"baris_an": "", "jabatan": "Camat Arut Selatan", "nama": "Drs. H. AHMAD YANI, M.Si",
                       "pangkat": "", "nip": "NIP. 19800723 199810 1 001"}}
    document = docx.Document()
    for line in ("Pangkalan Bun, 30 September 2026", "Camat Arut Selatan,", "Drs. H. AHMAD YANI, M.Si"):
        document.add_paragraph(line)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("NIP. 19800723 199810 1 001")
    source = tmp_path / "terpotong.docx"
    document.save(str(source))
    with Converter() as converter:
        pdf = converter.convert(source, tmp_path)
    used = {"surat.tempat_tanggal", "ttd.jabatan", "ttd.nama", "ttd.nip"}
    pages, block_page, messages = layout_problems(pdf, context, used, "https://contoh/cek/X", halaman_maks=2)
    assert (pages, block_page) == (2, 2)
    assert messages == ["blok tanda tangan terdorong ke halaman 2 (terpotong: tempat dan tanggal, jabatan, nama "
                        "di halaman 1; NIP di halaman 2)"]
