"""The verification site in a real browser: Debian's Chromium, headless, driven by Playwright.

One register (a valid letter with a renewed revision, a voided letter and the letter replacing it),
one site built from it with ``sakti situs bangun``, served from 127.0.0.1 as a static host serves it
(a missing path answered by 404.html) and opened from ``file://``. The page is asked what a recipient
asks: a valid, a voided and an unknown code; the genuine PDF, its renewed revision and a copy with one
byte changed. One browser for the module.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import struct
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from situs_helpers import renewed, run, small_pdf, standard_register

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000
pytestmark = pytest.mark.slow

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("Chromium (/usr/bin/chromium) tidak terpasang: scripts/pasang.sh memasangnya", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The register and the built site (in ``<root>/web/cek``, as the QR's ``…/cek/#KODE`` names it)."""
    base = tmp_path_factory.mktemp("situs")
    made = standard_register(base)
    valid, voided, replacing = made["valid"], made["voided"], made["replacing"]
    genuine = small_pdf("asli")
    folder = base / "web" / "cek"
    folder.parent.mkdir()
    built = run(Cli(), made["root"], "situs", "bangun", str(folder))
    assert built["surat"] == 3
    changed = bytearray(genuine)
    changed[len(changed) // 2] ^= 0x01
    files = base / "unggah"
    files.mkdir()
    for name, payload in (("asli.pdf", genuine), ("revisi.pdf", renewed(genuine)), ("ubahan.pdf", bytes(changed)),
                          ("batal.pdf", small_pdf("batal"))):
        (files / name).write_bytes(payload)
    return {"folder": folder, "files": files, "valid": valid, "voided": voided, "replacing": replacing,
            "renewed_sha": hashlib.sha256(renewed(genuine)).hexdigest()}


class _StaticHost(http.server.SimpleHTTPRequestHandler):
    """A static host: files as they are; an unknown path answered by the site's 404.html (status 404),
    as GitHub Pages, Netlify or Apache's ErrorDocument do."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "cek" / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: dict[str, Any]) -> Iterator[str]:
    handler = partial(_StaticHost, directory=str(site["folder"].parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/cek/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    opened.requests = []  # every URL the page asked for: nothing may leave 127.0.0.1 or the folder
    opened.on("request", lambda request: opened.requests.append(request.url))
    yield opened
    context.close()


def _answer(page: Any) -> str:
    page.wait_for_selector("#hasil:not([hidden])")
    return str(page.inner_text("#hasil"))


def _look_up(page: Any, code: str) -> str:
    page.fill("#kode", code)
    page.click("text=Periksa kode")
    page.wait_for_function("c => document.getElementById('kode').value === c && "
                           "!document.getElementById('hasil').hidden", arg=code.replace(" ", "").upper())
    return _answer(page)


def _upload(page: Any, path: Path) -> str:
    page.set_input_files("#berkas", str(path))
    page.wait_for_selector("#hasil-berkas div")
    return str(page.inner_text("#hasil-berkas"))


def _local_only(page: Any, allowed: str) -> None:
    strangers = [url for url in page.requests if not url.startswith(allowed)]
    assert not strangers, strangers


def test_served_site_checks_codes_and_files(page: Any, site: dict[str, Any], server: str) -> None:
    valid, voided, replacing = site["valid"], site["voided"], site["replacing"]
    page.goto(f"{server}#{valid['kode_verifikasi']}")
    shown = _answer(page)
    assert page.inner_text("#hasil-status") == "SAH"
    assert valid["nomor_surat"] in shown and "R******" in shown and "Surat Keterangan Tidak Mampu" in shown
    assert "Drs. H. AHMAD YANI, M.Si" in shown and "22 November 2026" in shown and site["renewed_sha"] in shown
    assert "Rusmini" not in page.content()
    assert page.get_attribute("html", "lang") == "id"
    assert page.get_attribute("body", "data-sidik") == "webcrypto"  # 127.0.0.1 is a secure context

    genuine = _upload(page, site["files"] / "asli.pdf")
    assert genuine.startswith("SAMA") and "Revisi 1" in genuine
    renewal = _upload(page, site["files"] / "revisi.pdf")
    assert renewal.startswith("SAMA") and "Revisi 2" in renewal and "diperbarui" in renewal
    modified = _upload(page, site["files"] / "ubahan.pdf")
    assert modified.startswith("TIDAK SAMA")

    # the voided letter, typed as people type it (lower case, groups of four)
    typed = voided["kode_verifikasi"].lower()
    shown = _look_up(page, " ".join(typed[i:i + 4] for i in range(0, 16, 4)))
    assert page.inner_text("#hasil-status") == "DIBATALKAN"
    assert "salah ketik tanggal lahir" in shown and replacing["nomor_surat"] in shown
    unknown = _look_up(page, "ABCD2345EFGH6789")
    assert page.inner_text("#hasil-status") == "TIDAK DIKENAL" and "ABCD2345EFGH6789" in unknown
    assert page.is_hidden("#periksa-berkas")
    _local_only(page, server.rsplit("/cek/", 1)[0])


def test_old_qr_path_reaches_the_page(page: Any, site: dict[str, Any], server: str) -> None:
    """A letter printed with ``…/cek/KODE``: the host answers with 404.html, which opens ``…/cek/#KODE``."""
    page.goto(f"{server}{site['replacing']['kode_verifikasi']}")
    page.wait_for_url(f"{server}#{site['replacing']['kode_verifikasi']}")
    shown = _answer(page)
    assert page.inner_text("#hasil-status") == "SAH" and site["voided"]["nomor_surat"] in shown  # it replaces


def test_opened_from_disk(page: Any, site: dict[str, Any]) -> None:
    """``file://``: data as scripts (no fetch), WebCrypto available, the query form of the QR."""
    url = (site["folder"] / "index.html").as_uri()
    page.goto(f"{url}?k={site['voided']['kode_verifikasi']}")
    shown = _answer(page)
    assert page.inner_text("#hasil-status") == "DIBATALKAN" and site["voided"]["nomor_surat"] in shown
    checked = _upload(page, site["files"] / "batal.pdf")
    assert checked.startswith("SAMA") and "DIBATALKAN" in checked
    assert page.get_attribute("body", "data-sidik") == "webcrypto"
    page.goto(f"{url}#{site['valid']['kode_verifikasi']}")
    page.reload()
    _answer(page)
    assert page.inner_text("#hasil-status") == "SAH"
    assert _upload(page, site["files"] / "ubahan.pdf").startswith("TIDAK SAMA")
    _local_only(page, "file://")


def test_without_webcrypto_the_own_sha256_decides(browser: Any, site: dict[str, Any], server: str) -> None:
    """A host on plain http:// (not a secure context): the page's own SHA-256 gives the same answers."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false});")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{server}#{site['valid']['kode_verifikasi']}")
        _answer(page)
        assert page.inner_text("#hasil-status") == "SAH"
        assert _upload(page, site["files"] / "revisi.pdf").startswith("SAMA")
        assert _upload(page, site["files"] / "ubahan.pdf").startswith("TIDAK SAMA")
        assert page.get_attribute("body", "data-sidik") == "js"
    finally:
        context.close()


def test_phone_width_screenshot(page: Any, site: dict[str, Any], server: str, tmp_path: Path) -> None:
    page.goto(f"{server}#{site['valid']['kode_verifikasi']}")
    _answer(page)
    _upload(page, site["files"] / "asli.pdf")
    # readable on a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot = tmp_path / "situs-390.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 390 and height >= 844
