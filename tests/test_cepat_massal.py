"""Issue 15 §2: what a batch can do once per run is done once (the trial render per template version, each SOP
parsed once, the key parsed and its signature sized once), and every letter is still checked as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, Pki
from test_massal_batch import _batch, _lines, subset


class _PdfPool:
    """A converter without LibreOffice: every DOCX becomes a one-page PDF (the batch's steps around it are real)."""

    def convert(self, docx: Path, work: Path, pdfa: bool = False) -> Path:
        from pypdf import PdfWriter

        out = work / (docx.stem + ".pdf")
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.write(out)
        return out

    def close(self) -> None:
        pass


def test_a_batch_tries_the_template_once_and_reads_the_sop_once(kantor: Path, cli: Cli, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import sakti_cli.documents.convert_pool
    import sakti_cli.documents.render
    import sakti_cli.services.sop

    renders: list[str] = []
    loads: list[str] = []
    render, load = sakti_cli.documents.render.render_docx, sakti_cli.services.sop.load_service
    trial = sakti_cli.documents.render.try_render

    def counted_render(template: Path, context: Any, out: Path, **kw: Any) -> None:
        renders.append(Path(out).name)
        render(template, context, out, **kw)

    def counted_trial(template: Path, context: Any, **kw: Any) -> None:
        renders.append("uji")
        trial(template, context, **kw)

    def counted_load(sop_dir: Path, code: str) -> Any:
        loads.append(code)
        return load(sop_dir, code)

    monkeypatch.setattr(sakti_cli.documents.render, "render_docx", counted_render)
    monkeypatch.setattr(sakti_cli.documents.render, "try_render", counted_trial)
    monkeypatch.setattr(sakti_cli.services.sop, "load_service", counted_load)
    monkeypatch.setattr(sakti_cli.documents.convert_pool.ConverterPool, "from_settings",
                        classmethod(lambda cls, s: _PdfPool()))
    table, _ = _batch(tmp_path)
    result = cli("massal", subset(table, [0, 1, 2], "tiga.csv"), "--layanan", "sktm", "--terbitkan", "--tanpa-ttd",
                 "--json")
    assert result.exit_code == 0, result.stderr
    rows, summary = _lines(result.stdout)[:-1], _lines(result.stdout)[-1]
    assert summary["diterbitkan"] == 3 and all(row["status"] == "MENUNGGU_TTD" for row in rows)
    assert renders.count("surat.docx") == 3  # each letter rendered with its own number
    assert renders.count("uji") == 1  # the trial (before any number) once for this template version
    assert loads.count("sktm") == 1


def test_one_opened_key_is_parsed_and_sized_once_and_every_signature_validates(demo_pki: Pki, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession
    from pypdf import PdfWriter

    from sakti_cli.signatures.sign import load_pkcs12_signer, sign_pdf
    from sakti_cli.signatures.validate import verify_pdf

    parsed: list[int] = []
    sized: list[int] = []
    parse, size = serialization.load_der_private_key, PdfSigningSession.estimate_signature_container_size

    def counted_parse(*args: Any, **kw: Any) -> Any:
        parsed.append(1)
        return parse(*args, **kw)

    async def counted_size(self: Any, *args: Any, **kw: Any) -> Any:
        sized.append(1)
        return await size(self, *args, **kw)

    monkeypatch.setattr(serialization, "load_der_private_key", counted_parse)
    monkeypatch.setattr(PdfSigningSession, "estimate_signature_container_size", counted_size)
    blank = tmp_path / "kosong.pdf"
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(blank)
    signer = load_pkcs12_signer(demo_pki.signer_p12, b"demo")
    for n in range(3):
        assert sign_pdf(blank, tmp_path / f"ttd{n}.pdf", signer, reason="uji", location="Pangkalan Bun",
                        signer_name=None) == "B-B"
    assert len(parsed) == 1 and len(sized) == 1
    for n in range(3):
        (report,) = verify_pdf(tmp_path / f"ttd{n}.pdf", [demo_pki.root_cert]).signatures
        assert report.ok and report.level == "B-B", report.pesan
    other = load_pkcs12_signer(demo_pki.signer_p12, b"demo")  # another opening sizes its own first signature
    sign_pdf(blank, tmp_path / "lain.pdf", other, reason="uji", location="Pangkalan Bun", signer_name=None)
    assert len(sized) == 2


def test_the_stamp_marker_is_looked_for_without_opening_a_letter_that_has_none(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    from sakti_cli.issuance.pipeline import STAMP_MARKER, hide_stamp_marker

    split = docx.Document()
    paragraph = split.add_paragraph()
    for piece in (STAMP_MARKER[:2], STAMP_MARKER[2:4], STAMP_MARKER[4:]):  # as a word processor splits runs
        paragraph.add_run(piece)
    split.save(tmp_path / "tanda.docx")
    plain = docx.Document()
    plain.add_paragraph("Surat tanpa penanda.")
    plain.save(tmp_path / "polos.docx")
    assert hide_stamp_marker(tmp_path / "tanda.docx") is True
    assert all(run.font.color.rgb == docx.shared.RGBColor(0xFF, 0xFF, 0xFF)
               for run in docx.Document(str(tmp_path / "tanda.docx")).paragraphs[0].runs)

    def no_open(*_args: Any) -> Any:
        raise AssertionError("python-docx dibuka untuk surat tanpa penanda")

    monkeypatch.setattr(docx, "Document", no_open)
    assert hide_stamp_marker(tmp_path / "polos.docx") is False


def test_a_template_is_checked_once_per_version_and_again_when_it_changes(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import zipfile

    from test_render import LOGO, TEMPLAT, URL, konteks

    import sakti_cli.documents.render
    from sakti_cli.core.errors import ConfigError

    checked: list[str] = []
    check = sakti_cli.documents.render._periksa_sintaks

    def counted(tpl: Any, env: Any, template: Path) -> Any:
        checked.append(template.name)
        return check(tpl, env, template)

    monkeypatch.setattr(sakti_cli.documents.render, "_periksa_sintaks", counted)
    monkeypatch.setattr(sakti_cli.documents.render, "_TEMPLAT_LULUS", set(), raising=False)
    template = tmp_path / "sktm.docx"
    shutil.copy(TEMPLAT, template)
    for n in range(3):
        sakti_cli.documents.render.render_docx(template, konteks(), tmp_path / f"surat{n}.docx", qr_payload=URL,
                                               logo=LOGO)
    assert checked == ["sktm.docx"]
    with zipfile.ZipFile(TEMPLAT) as source, zipfile.ZipFile(template, "w") as target:  # a new version, broken
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data.replace(b"</w:t>", b"{% include 'x' %}</w:t>", 1)
                            if item.filename == "word/document.xml" else data)
    with pytest.raises(ConfigError, match="include"):
        sakti_cli.documents.render.render_docx(template, konteks(), tmp_path / "rusak.docx", qr_payload=URL, logo=LOGO)
    assert checked == ["sktm.docx", "sktm.docx"]
