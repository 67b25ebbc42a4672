"""Issue 8 section 6: templates cannot hang the office.

Hostile templates (nested loops, a 3e9 string, a sandbox escape, a zip bomb, a picture of 400 million
pixels, a slow render) are built here from the shipped sktm.docx; ``templat periksa`` (with and without
``--tanpa-pdf``) refuses each with exit 4 naming the file, and ``terbitkan`` refuses before a number is
reserved. A good template is tried once per version (the cache), not per letter.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Cli

from sakti_cli.core.errors import ConfigError
from sakti_cli.documents import template_guard

NESTED = ("{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}x"
          "{% endfor %}{% endfor %}{% endfor %}")
HOSTILE = {
    "loop_bersarang": (NESTED, "langkah"),
    "perkalian_teks": ("{{ 'x' * 3000000000 }}", "perkalian"),
    "lolos_sandbox": ("{{ ''.__class__.__mro__ }}", "__class__"),
}
# More of the same, checked on the sandbox alone (no process, no workspace).
SANDBOX_ONLY = {
    "{{ 7 ** 999999999 }}": "pangkat",
    "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ d('x', 60) }}": "penggabungan",
    "{% set ns = namespace(x='x') %}{% for i in range(60) %}{% set ns.x = ns.x + ns.x %}{% endfor %}": "penjumlahan",
    "{{ 'x'|center(3000000000) }}": "|center",
    "{{ 'x'.ljust(3000000000) }}": ".ljust()",
    "{{ '%999999999s' % 'x' }}": "format %",
    "{{ '{:>999999999}'.format('x') }}": ".format()",
    "{{ ('a' * 1000)|replace('a', 'b' * 2000) }}": "|replace",
    "{{ range(100000)|map('center', 900000)|join }}": "dibuat",
    "{% for i in range(100) %}" + "y" * 300_000 + "{% endfor %}": "isi surat",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}": "langkah",
}
# Within every bound of the in-process sandbox but seconds of work: only the child's timer stops it.
SLOW = "{% for i in range(600) %}{{ range(100000)|unique|list|length }}{% endfor %}"


def inject(template: Path, text: str) -> Path:
    """sktm.docx of the workspace with one more paragraph holding ``text`` before the closing line."""
    import docx

    document = docx.Document(str(template))
    anchor = next(p for p in document.paragraphs if "Demikian" in p.text)
    anchor.insert_paragraph_before(text)
    document.save(str(template))
    return template


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (its one row of data is all it has)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def add_part(template: Path, name: str, payload: bytes) -> Path:
    with zipfile.ZipFile(template, "a", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(name, payload)
    return template


def _periksa(cli: Cli, *extra: str) -> tuple[int, dict]:
    result = cli("templat", "periksa", "sktm", "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


def _refused(payload: dict, needle: str) -> str:
    """The refusal (the one problem of kind batas or tidak_terbaca), naming the template and ``needle``."""
    (problem,) = [p for p in payload["masalah"] if p["jenis"] in ("batas", "tidak_terbaca")]
    assert problem["templat"] == "sktm.docx" and "sktm.docx" in problem["pesan"], problem
    assert needle in problem["pesan"], problem["pesan"]
    return str(problem["pesan"])


@pytest.fixture
def count_trials(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """How often the check was consulted ("cek") and how many templates it sent to a child ("uji")."""
    counts: dict[str, list[int]] = {"cek": [], "uji": []}
    run_children, try_templates = template_guard._run_children, template_guard.try_templates

    def counting_children(ws: object, trials: list) -> list:
        counts["uji"].append(len(trials))
        return run_children(ws, trials)  # type: ignore[arg-type]

    def counting_checks(ws: object, trials: list) -> list:
        counts["cek"].append(len(trials))
        return try_templates(ws, trials)  # type: ignore[arg-type]

    monkeypatch.setattr(template_guard, "_run_children", counting_children)
    monkeypatch.setattr(template_guard, "try_templates", counting_checks)
    return counts


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_periksa_refuses_hostile_template(kantor: Path, cli: Cli, case: str) -> None:
    text, needle = HOSTILE[case]
    inject(kantor / "templat" / "sktm.docx", text)
    started = time.monotonic()
    code, payload = _periksa(cli, "--tanpa-pdf")
    assert code == 4, payload
    message = _refused(payload, needle)
    assert "ditolak" in message and payload["templat"][0]["status"] == "MASALAH"
    if case == "loop_bersarang":
        code, payload = _periksa(cli)  # with the layout check too: refused before LibreOffice
        assert code == 4, payload
        _refused(payload, needle)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("source", list(SANDBOX_ONLY))
def test_sandbox_refuses_in_milliseconds(source: str) -> None:
    from jinja2.exceptions import SecurityError

    from sakti_cli.documents.render import Batas, _buat_env

    started = time.monotonic()
    with pytest.raises(SecurityError, match=re.escape(SANDBOX_ONLY[source])):
        _buat_env(Batas(langkah=20_000)).from_string(source).render()
    assert time.monotonic() - started < 3


def test_sandbox_leaves_ordinary_templates_alone() -> None:
    from sakti_cli.documents.render import _buat_env

    source = ("{% for o in l %}{{ loop.index }}. {{ o|upper }}{{ ', ' if not loop.last }}{% endfor %}"
              "|{{ l|join('/') }}|{{ 'a' ~ 'b' }}|{{ 2 ** 10 }}|{{ 'ab' * 3 }}|{{ '%05d' % 7 }}"
              "|{{ 5000000|filesizeformat }}")
    assert _buat_env().from_string(source).render(l=["x", "y"]) == "1. X, 2. Y|x/y|ab|1024|ababab|00007|5.0 MB"


def test_compiled_code_is_shared_but_each_render_counts_its_own_steps() -> None:
    """SandboxTerbatas.compile keeps a template's code for later renders: the bounds are counted per
    environment, so a template that just fits passes every time and one over the bound fails every time."""
    from sakti_cli.documents.render import Batas, _buat_env

    fits, over = "{% for i in range(90) %}.{% endfor %}", "{% for i in range(150) %}.{% endfor %}"
    for _ in range(3):
        assert _buat_env(Batas(langkah=100)).from_string(fits).render() == "." * 90
        with pytest.raises(Exception, match="langkah"):
            _buat_env(Batas(langkah=100)).from_string(over).render()


def test_sandbox_bounds_the_letter_render_itself(kantor: Path, tmp_path: Path) -> None:
    """The per-letter render (no child) is bounded too: a template changed after its check cannot hang it."""
    from sakti_cli.documents.render import render_docx
    from sakti_cli.documents.template_lint import sample_context
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.services.sop import load_service

    ws = find_workspace(kantor)
    context, _ = sample_context(ws, load_service(ws.sop_dir, "sktm"))
    template = inject(kantor / "templat" / "sktm.docx", NESTED)
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"sktm\.docx melampaui batas") as info:
        render_docx(template, context, tmp_path / "surat.docx", qr_payload="https://x/cek/K", logo=None)
    assert time.monotonic() - started < 5 and "ditolak" in info.value.detail
    assert not (tmp_path / "surat.docx").exists()


def test_zip_bomb_refused_before_unpacking(kantor: Path, cli: Cli) -> None:
    add_part(kantor / "templat" / "sktm.docx", "word/media/bom.bin", bytes(60 * 2**20))
    code, payload = _periksa(cli, "--tanpa-pdf")
    assert code == 4
    assert "terlalu besar setelah dibuka" in _refused(payload, "MB")


def test_huge_picture_refused(kantor: Path, cli: Cli) -> None:
    add_part(kantor / "templat" / "sktm.docx", "word/media/image99.png", _png_header(20000, 20000))
    code, payload = _periksa(cli, "--tanpa-pdf")
    assert code == 4, payload
    assert "20000 x 20000 piksel" in _refused(payload, "image99.png")


def test_huge_logo_refused(kantor: Path, cli: Cli) -> None:
    (kantor / "templat" / "logo.png").write_bytes(_png_header(30000, 30000))
    code, payload = _periksa(cli, "--tanpa-pdf")
    assert code == 4, payload
    assert "30000 x 30000 piksel" in _refused(payload, "logo logo.png")


def test_slow_template_stopped_by_child_time_limit(kantor: Path, cli: Cli, count_trials: list[int]) -> None:
    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace("batas_detik = 10", "batas_detik = 1"))
    inject(kantor / "templat" / "sktm.docx", SLOW)
    started = time.monotonic()
    code, payload = _periksa(cli, "--tanpa-pdf")
    assert code == 4, payload
    _refused(payload, "lebih dari 1 detik")
    assert count_trials["uji"] == [1] and time.monotonic() - started < 10


def test_child_has_no_secret_and_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trial's child: an empty environment, and a memory and time limit of its own."""
    monkeypatch.setenv("SAKTI_SANDI", "rahasia-sandi")
    assert template_guard.run_limited(lambda: {"env": dict(os.environ)}, 5, 128) == {"env": {}}
    assert os.environ["SAKTI_SANDI"] == "rahasia-sandi"  # the parent keeps its own
    answer = template_guard.run_limited(lambda: {"n": len(bytearray(600 * 2**20))}, 5, 128)
    assert answer["hasil"] == "memori"
    started = time.monotonic()
    assert template_guard.run_limited(_spin, 0.3, 128)["hasil"] == "waktu"
    assert time.monotonic() - started < 5


def _spin() -> dict:
    while True:
        pass


def _letter_files(kantor: Path) -> list[str]:
    """Register files that mention any letter number (a reservation, TERBIT or BATAL)."""
    return [str(p) for p in (kantor / "data" / "register").rglob("*.json")
            if "nomor_surat" in p.read_text(encoding="utf-8")]


def test_terbitkan_refuses_before_reserving(kantor: Path, cli: Cli, registered: Callable[..., str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    inject(kantor / "templat" / "sktm.docx", NESTED)
    started = time.monotonic()
    result = cli("terbitkan", reg, "--json")
    assert result.exit_code == 4, (result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert "sktm.docx" in error["pesan"] and "melampaui batas" in error["pesan"]
    assert time.monotonic() - started < 10
    assert cli.json("status", reg)["status"] == "LENGKAP"
    assert _letter_files(kantor) == []
    assert not list((kantor / "data").glob("kerja-*"))


def test_good_template_is_tried_once_per_version(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                 count_trials: dict[str, list[int]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = registered(), registered()
    for reg in (first, second):
        cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    cache = kantor / "data" / template_guard.CACHE_NAME
    assert cli.json("terbitkan", first)["status"] == "TERBIT"  # the good template renders
    assert count_trials == {"cek": [1], "uji": [1]} and cache.is_file()
    entries = json.loads(cache.read_text())["templat"]
    assert [e["berkas"] for e in entries.values()] == ["sktm.docx"]
    stamp = cache.stat().st_mtime_ns
    # The second terbitkan consults the check, finds the pass, tries nothing; it then stops at the
    # missing passphrase (exit 4, before any number), which spares this test a second LibreOffice run.
    monkeypatch.delenv("SAKTI_SANDI")
    refused = cli("terbitkan", second, "--json")
    assert refused.exit_code == 4 and "sandi" in json.loads(refused.stdout)["error"]["pesan"].lower()
    assert count_trials == {"cek": [1, 1], "uji": [1]} and cache.stat().st_mtime_ns == stamp
    assert cli.json("status", second)["status"] == "LENGKAP"
    assert cli.json("templat", "periksa", "sktm", "--tanpa-pdf")["jumlah_masalah"] == 0
    assert count_trials["uji"] == [1]  # the lint shares the verdict
    inject(kantor / "templat" / "sktm.docx", "{{ data.nama }}")  # a new version is tried again
    assert cli.json("templat", "periksa", "sktm", "--tanpa-pdf")["jumlah_masalah"] == 0
    assert count_trials["uji"] == [1, 1]
