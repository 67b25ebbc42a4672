"""``sakti layanan KODE --lembar FILE``: the citizens' information sheet in Markdown, HTML and PDF,
written from the same SOP the checker uses, reopened and compared with that SOP."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Cli

from sakti_cli.core.resources import bundled_dir
from sakti_cli.documents.info_sheet import build_sheet, to_html, to_markdown
from sakti_cli.services.sop import Service, list_service_files, load_service

SERVICES = sorted(p.stem for p in list_service_files(bundled_dir("sop")))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(source: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(source)
    parser.close()
    return " ".join(" ".join(parser.parts).split()), parser.tags


def squash(text: str) -> str:
    return "".join(text.split())


def requirement_names(service: Service) -> list[str]:
    return [r.nama for r in service.persyaratan] + [r.nama for _s, r in service.item_requirements()]


def test_every_service_of_the_workspace_is_covered(kantor: Path) -> None:
    assert sorted(p.stem for p in list_service_files(kantor / "sop")) == SERVICES
    assert "sktm" in SERVICES


@pytest.mark.parametrize("kode", SERVICES)
def test_markdown_and_html(kantor: Path, cli: Cli, kode: str) -> None:
    service = load_service(kantor / "sop", kode)
    std = service.standar_pelayanan

    md_file = kantor / f"lembar-{kode}.md"
    payload = cli.json("layanan", kode, "--lembar", str(md_file))
    assert payload["lembar"] == str(md_file) and payload["format"] == "markdown"
    markdown = md_file.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {service.nama}")
    plain = markdown.replace("\\", "")
    for name in requirement_names(service):
        assert f"☐ **{name}**" in plain, name
    for number, step in enumerate(std.prosedur, 1):
        assert f"{number}. {' '.join(step.split())}" in plain
    for text in (std.jangka_waktu.teks, std.biaya, " ".join(std.pengaduan.split()), std.produk, *std.dasar_hukum):
        assert " ".join(text.split()) in plain, text

    html_file = kantor / f"lembar-{kode}.html"
    assert cli.json("layanan", kode, "--lembar", str(html_file))["format"] == "html"
    text, tags = html_text(html_file.read_text(encoding="utf-8"))
    for name in requirement_names(service):
        assert name in text, name
    for step in std.prosedur:
        assert " ".join(step.split()) in text
    assert tags.count("ol") == 1 and "h1" in tags


@pytest.mark.slow
@pytest.mark.parametrize("kode", SERVICES)
def test_pdf(kantor: Path, cli: Cli, kode: str) -> None:
    from pypdf import PdfReader

    service = load_service(kantor / "sop", kode)
    pdf = kantor / f"lembar-{kode}.pdf"
    human = cli("layanan", kode, "--lembar", str(pdf))
    assert human.exit_code == 0, human.stderr
    assert str(pdf) in " ".join(human.stdout.split()) or pdf.name in human.stdout
    reader = PdfReader(str(pdf))
    text = squash(" ".join(page.extract_text() or "" for page in reader.pages))
    for name in requirement_names(service):
        assert squash(name) in text, name
    assert squash(service.nama) in text
    assert squash(service.standar_pelayanan.biaya) in text


def test_sop_text_is_escaped(kantor: Path, cli: Cli) -> None:
    sop = kantor / "sop" / "sktm.yaml"
    sop.write_text(sop.read_text(encoding="utf-8").replace(
        "nama: KTP-el pemohon", "nama: 'KTP-el <b>pemohon</b> & \"wali\" *asli*'"), encoding="utf-8")
    html_file = kantor / "lembar.html"
    cli.json("layanan", "sktm", "--lembar", str(html_file))
    source = html_file.read_text(encoding="utf-8")
    assert "<b>pemohon" not in source and "&lt;b&gt;pemohon&lt;/b&gt; &amp; &quot;wali&quot;" in source
    text, tags = html_text(source)
    assert 'KTP-el <b>pemohon</b> & "wali" *asli*' in text and "b" not in tags
    md_file = kantor / "lembar.md"
    cli.json("layanan", "sktm", "--lembar", str(md_file))
    assert r'KTP-el \<b\>pemohon\</b\> & "wali" \*asli\*' in md_file.read_text(encoding="utf-8")


def test_requirement_details_follow_the_sop(kantor: Path) -> None:
    service = load_service(kantor / "sop", "sktm")
    markdown = to_markdown(build_sheet(service))
    pengantar = next(line for line in markdown.splitlines() if "Surat pengantar RT/RW" in line)
    assert "wajib" in pengantar and "PDF" in pengantar and "2 MB" in pengantar and "30 hari" in pengantar
    foto = next(line for line in markdown.splitlines() if "Foto rumah" in line)
    assert "tidak wajib" in foto and "JPG/JPEG atau PNG" in foto and "4 MB" in foto and "1 sampai 3" in foto
    if (kantor / "sop" / "ahli-waris.yaml").is_file():
        heirs = load_service(kantor / "sop", "ahli-waris")
        original = next(r for r in heirs.persyaratan if r.asli)
        line = next(x for x in to_markdown(build_sheet(heirs)).splitlines() if original.nama in x.replace("\\", ""))
        assert "bawa aslinya" in line
    assert "<!DOCTYPE html>" in to_html(build_sheet(service))


def test_unknown_extension_and_missing_folder(kantor: Path, cli: Cli) -> None:
    result = cli("layanan", "sktm", "--lembar", str(kantor / "lembar.docx"))
    assert result.exit_code == 3 and result.stdout == ""
    assert ".pdf" in result.stderr and ".md" in result.stderr and ".html" in result.stderr
    assert not (kantor / "lembar.docx").exists()
    payload = json.loads(cli("layanan", "sktm", "--lembar", "lembar.txt", "--json").stdout)
    assert payload["ok"] is False and payload["error"]["kode"] == "INPUT_TIDAK_VALID"
    missing = cli("layanan", "sktm", "--lembar", str(kantor / "tidak-ada" / "lembar.md"))
    assert missing.exit_code == 3 and "tidak-ada" in missing.stderr
    unknown = cli("layanan", "paspor", "--lembar", str(kantor / "lembar.md"))
    assert unknown.exit_code == 3
