"""PDF/A-2b letters (``[surat] pdfa = true``) and every letter's metadata, read back with pikepdf.

A real letter through the CLI (LibreOffice, the visible stamp, PAdES), then what a PDF/A validator looks
at: the XMP identification, the sRGB output intent, every font embedded (the stamp's too), /Lang, no
JavaScript, no encryption, no transparency, the XMP equal to the info dictionary; and the signature
still valid (``sakti verifikasi`` and poppler's pdfsig). veraPDF itself is not available here.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import Cli, example
from pki_helpers import CERTUTIL, PDFSIG, make_nss_db, pdfsig_verdict_ok, run_pdfsig
from test_antrean_ttd import add_stamp_marker


def set_pdfa(kantor: Path, on: bool) -> None:
    config = kantor / "sakti.toml"
    text = config.read_text(encoding="utf-8")
    assert "pdfa = false" in text  # sakti init writes the key, off
    config.write_text(text.replace("pdfa = false", f"pdfa = {'true' if on else 'false'}"), encoding="utf-8")


def issue_letter(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    add_stamp_marker(kantor / "templat" / "sktm.docx")  # a visible stamp, drawn by pyHanko at signing
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    return cli.json("terbitkan", reg)


def resources_of(pdf: pikepdf.Pdf) -> Iterator[tuple[str, pikepdf.Dictionary]]:
    """Every /Resources dictionary reachable from the pages: the pages', their form XObjects' and their
    annotations' appearance streams' (the signature stamp), each named by where it was found."""
    seen: set[tuple[int, int]] = set()

    def walk(where: str, resources: Any) -> Iterator[tuple[str, pikepdf.Dictionary]]:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        yield where, resources
        for name, xobject in (resources.get("/XObject") or {}).items():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from walk(f"{where} {name}", xobject.get("/Resources"))

    for number, page in enumerate(pdf.pages, 1):
        yield from walk(f"halaman {number}", page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots") or []:
            normal = (annotation.get("/AP") or {}).get("/N")
            if isinstance(normal, pikepdf.Stream):
                yield from walk(f"halaman {number} anotasi {annotation.get('/T')}", normal.get("/Resources"))


def font_problems(pdf: pikepdf.Pdf) -> tuple[list[str], set[str]]:
    """Fonts with no embedded program (FontFile/FontFile2/FontFile3), and where fonts were found."""
    problems, places = [], set()
    for where, resources in resources_of(pdf):
        for name, font in (resources.get("/Font") or {}).items():
            places.add(where)
            if font.get("/Subtype") == "/Type3":
                continue  # glyphs drawn by the PDF itself
            described = font["/DescendantFonts"][0] if font.get("/Subtype") == "/Type0" else font
            descriptor = described.get("/FontDescriptor") or {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"{where} {name} {font.get('/BaseFont')}")
    return problems, places


def transparency(pdf: pikepdf.Pdf) -> list[str]:
    """Soft masks and constant alpha below 1 anywhere in the pages' resources."""
    found = []
    for where, resources in resources_of(pdf):
        for name, xobject in (resources.get("/XObject") or {}).items():
            if xobject.get("/Subtype") == "/Image" and "/SMask" in xobject:
                found.append(f"{where} {name}: SMask")
        for name, state in (resources.get("/ExtGState") or {}).items():
            if any(float(state.get(key, 1)) < 1 for key in ("/ca", "/CA")) or state.get("/SMask", "/None") != "/None":
                found.append(f"{where} {name}: alpha")
    return found


def javascript(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and ("/JS" in obj or obj.get("/S") == "/JavaScript"):
            found.append(repr(obj.objgen))
    names = pdf.Root.get("/Names") or {}
    return found + (["/Names /JavaScript"] if "/JavaScript" in names else [])


NAMESPACES = {"dc": "http://purl.org/dc/elements/1.1/", "pdf": "http://ns.adobe.com/pdf/1.3/",
              "xmp": "http://ns.adobe.com/xap/1.0/", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
              "sakti": "http://ns.sakti-cli.id/surat/1.0/"}


def xmp_of(pdf: pikepdf.Pdf) -> dict[str, Any]:
    """The XMP properties as pikepdf reads them, keyed ``prefix:name`` (the prefixes above)."""
    meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    prefixes = {f"{{{uri}}}": prefix for prefix, uri in NAMESPACES.items()}
    out = {}
    for key in meta:
        uri, _, name = key.partition("}")
        out[f"{prefixes.get(uri + '}', uri)}:{name}"] = meta[key]
    return out


def prefixes_used(pdf: pikepdf.Pdf) -> set[str]:
    return set(re.findall(r"xmlns:(\w+)=", pdf.Root.Metadata.read_bytes().decode("utf-8")))


def same_moment(pdf_date: str, xmp_date: str) -> bool:
    stamp = re.sub(r"'(\d\d)'?$", r"\1", pdf_date.removeprefix("D:")).replace("Z'", "Z").replace("'", "")
    return datetime.strptime(stamp.replace("Z", "+0000"), "%Y%m%d%H%M%S%z") == datetime.fromisoformat(xmp_date)


def check_metadata(pdf: pikepdf.Pdf, letter: dict[str, Any]) -> dict[str, Any]:
    """The XMP says what the info dictionary says, and both what the register says; the XMP stream is plain."""
    info, xmp = pdf.docinfo, xmp_of(pdf)
    assert "/Filter" not in pdf.Root.Metadata.stream_dict
    assert str(info["/Title"]) == xmp["dc:title"] and letter["nomor_surat"] in xmp["dc:title"]
    assert str(info["/Subject"]) == xmp["dc:description"] == "Surat Keterangan Tidak Mampu"
    assert [str(info["/Author"])] == xmp["dc:creator"] == ["Kecamatan Arut Selatan, Kabupaten Kotawaringin Barat"]
    assert str(info["/Keywords"]) == xmp["pdf:Keywords"] and letter["kode_verifikasi"] in xmp["pdf:Keywords"]
    assert str(info["/Creator"]) == xmp["xmp:CreatorTool"]
    assert str(info["/Producer"]) == xmp["pdf:Producer"]  # pyHanko rewrote both at signing, alike
    assert same_moment(str(info["/CreationDate"]), xmp["xmp:CreateDate"])
    if "/ModDate" in info:
        assert same_moment(str(info["/ModDate"]), xmp["xmp:ModifyDate"])
    assert str(info["/SaktiKodeVerifikasi"]) == xmp["sakti:kodeVerifikasi"] == letter["kode_verifikasi"]
    assert str(info["/SaktiNomorSurat"]) == xmp["sakti:nomorSurat"] == letter["nomor_surat"]
    assert "sakti" in prefixes_used(pdf)  # the prefix its extension schema declares
    assert str(pdf.Root.Lang) == "id-ID"
    return xmp


def check_signature(cli: Cli, path: Path, demo_pki: Any, tmp_path: Path) -> None:
    assert cli.json("verifikasi", str(path))["sah"] is True
    output = run_pdfsig(path, make_nss_db(tmp_path / "nss", demo_pki.root_cert))
    assert pdfsig_verdict_ok(output), output


def stamp_fonts(pdf: pikepdf.Pdf) -> list[str]:
    """The BaseFont of each font the signature stamp's appearance uses."""
    return [str(font.get("/BaseFont")) for where, resources in resources_of(pdf) if "anotasi TTE" in where
            for font in (resources.get("/Font") or {}).values()]


@pytest.mark.slow
@pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing")
@pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"), reason="LibreOffice missing")
def test_pdfa_letter_keeps_its_claims_after_signing(kantor: Path, cli: Cli, demo_pki: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    set_pdfa(kantor, True)
    letter = issue_letter(kantor, cli, monkeypatch)
    path = Path(letter["pdf"])
    with pikepdf.open(path) as pdf:
        xmp = check_metadata(pdf, letter)
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("2", "B")
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and "sRGB" in str(intent.OutputConditionIdentifier)
        profile = intent.DestOutputProfile
        assert profile.N == 3 and profile.read_bytes()[36:40] == b"acsp"  # an ICC profile, RGB
        problems, places = font_problems(pdf)
        assert problems == [], problems
        assert any("anotasi TTE" in where for where in places), places  # the stamp's font was walked
        assert stamp_fonts(pdf) and all("LiberationSans" in name for name in stamp_fonts(pdf))
        assert javascript(pdf) == [] and "/Encrypt" not in pdf.trailer
        assert transparency(pdf) == []  # the logo is flattened onto white
        assert "/ID" in pdf.trailer and pdf.pdf_version >= "1.4"  # LibreOffice's header kept
    check_signature(cli, path, demo_pki, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing")
@pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"), reason="LibreOffice missing")
def test_plain_letter_has_the_metadata_and_an_embedded_stamp_font(kantor: Path, cli: Cli,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    letter = issue_letter(kantor, cli, monkeypatch)
    path = Path(letter["pdf"])
    with pikepdf.open(path) as pdf:
        xmp = check_metadata(pdf, letter)
        assert "pdfaid:part" not in xmp and "/OutputIntents" not in pdf.Root  # no PDF/A claimed
        assert stamp_fonts(pdf) and font_problems(pdf)[0] == []
        assert transparency(pdf) == []
    assert cli.json("verifikasi", str(path))["sah"] is True  # pdfsig: in the PDF/A test


# --- without LibreOffice ------------------------------------------------------------------------------------
def test_kantor_periksa_reports_pdfa_and_the_stamp_font(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    def periksa() -> dict[str, Any]:
        import json

        result = cli("kantor", "periksa", "--json")
        return dict(json.loads(result.stdout))

    assert periksa()["surat"] == {"kertas": "A4", "pdfa": False}
    set_pdfa(kantor, True)
    assert periksa()["surat"] == {"kertas": "A4", "pdfa": True}
    assert "PDF/A-2b" in cli("kantor", "periksa").stdout
    assert "FONT_CAP_TIDAK_ADA" not in {item["kode"] for item in periksa()["temuan"]}
    monkeypatch.setenv("SAKTI_FONT_CAP", str(kantor / "tidak-ada.ttf"))
    [missing] = [item for item in periksa()["temuan"] if item["kode"] == "FONT_CAP_TIDAK_ADA"]
    assert missing["tingkat"] == "galat" and "tidak-ada.ttf" in missing["pesan"]


def test_visible_stamp_is_drawn_in_an_embedded_font_or_refused(kantor: Path, cli: Cli, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pki_helpers import make_pdf

    from sakti_cli.issuance.stamp import add_stamp_field

    pdf = make_pdf(tmp_path / "surat.pdf")
    add_stamp_field(pdf, 0, (300, 100, 470, 145))
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    monkeypatch.setenv("SAKTI_FONT_CAP", str(tmp_path / "tidak-ada.ttf"))
    refused = cli("tandatangani", str(pdf), "--kolom", "TTE", "-o", str(tmp_path / "ttd.pdf"))
    assert refused.exit_code == 4 and "tidak-ada.ttf" in refused.stderr and "SAKTI_FONT_CAP" in refused.stderr
    assert not (tmp_path / "ttd.pdf").exists()
    monkeypatch.delenv("SAKTI_FONT_CAP")
    cli.json("tandatangani", str(pdf), "--kolom", "TTE", "-o", str(tmp_path / "ttd.pdf"))
    with pikepdf.open(tmp_path / "ttd.pdf") as signed:
        assert stamp_fonts(signed) and all("LiberationSans" in name for name in stamp_fonts(signed))
        problems = [item for item in font_problems(signed)[0] if "anotasi" in item]
        assert problems == []  # the test PDF's own Helvetica is not embedded; the stamp's font is


def test_logo_transparency_is_flattened_onto_white(tmp_path: Path) -> None:
    import io
    import zipfile

    from docx import Document
    from PIL import Image

    from sakti_cli.documents.render import render_bytes

    template = tmp_path / "logo.docx"
    document = Document()
    document.add_paragraph("{{ logo }}")
    document.save(str(template))
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (40, 40), (200, 0, 0, 0)).save(logo)  # fully transparent red
    rendered = zipfile.ZipFile(io.BytesIO(render_bytes(template, {}, qr_payload="x", logo=logo)))
    [placed] = [name for name in rendered.namelist() if name.startswith("word/media/")
                and Image.open(io.BytesIO(rendered.read(name))).size == (40, 40)]
    image = Image.open(io.BytesIO(rendered.read(placed)))
    assert image.mode == "RGB" and image.getpixel((5, 5)) == (255, 255, 255)
    # flattened once per version of the file: a logo replaced between two letters is the new one
    Image.new("RGBA", (40, 40), (0, 0, 200, 255)).save(logo)
    again = zipfile.ZipFile(io.BytesIO(render_bytes(template, {}, qr_payload="x", logo=logo)))
    [placed] = [name for name in again.namelist() if name.startswith("word/media/")
                and Image.open(io.BytesIO(again.read(name))).size == (40, 40)]
    assert Image.open(io.BytesIO(again.read(placed))).getpixel((5, 5)) == (0, 0, 200)


def test_soffice_gets_the_pdfa_filter_options() -> None:
    from sakti_cli.documents.convert import PDFA_FILTER_DATA, soffice_out_filter

    assert soffice_out_filter({}) == "pdf:writer_pdf_Export"
    assert soffice_out_filter(PDFA_FILTER_DATA) == \
        'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
