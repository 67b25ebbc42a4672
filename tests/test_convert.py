"""DOCX -> PDF with a real LibreOffice, in both driving modes."""

from __future__ import annotations

import os
import signal
import subprocess
import zipfile
from pathlib import Path

import pytest

from sakti_cli.core.errors import ConfigError, EnvironmentProblem
from sakti_cli.documents import convert
from sakti_cli.documents.convert import Converter, find_soffice

pytestmark = pytest.mark.slow


def _has_uno() -> bool:
    python = os.environ.get("SAKTI_UNO_PYTHON") or "/usr/bin/python3"
    try:
        done = subprocess.run([python, "-I", "-c", "import uno"], capture_output=True, timeout=60)
    except OSError:
        return False
    return done.returncode == 0


HAS_UNO = _has_uno()
MODES = ["soffice", pytest.param("uno", marks=pytest.mark.skipif(not HAS_UNO, reason="python3-uno absent"))]


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch, lo_profile: Path) -> Path:
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    monkeypatch.delenv("SAKTI_LO_TIMEOUT", raising=False)
    monkeypatch.delenv("SAKTI_LO_MODE", raising=False)
    return lo_profile


def make_docx(path: Path, *lines: str) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


@pytest.mark.parametrize("mode", MODES)
def test_convert_keeps_text(warm: Path, tmp_path: Path, mode: str) -> None:
    src = make_docx(
        tmp_path / "sktm.docx",
        "SURAT KETERANGAN TIDAK MAMPU",
        "Nomor: 470/123/KEC-ARSEL/XI/2026",
        "Nama: Siti & <Anak>",
        "Alamat: Jl. Pangeran Antasari, Kelurahan Madurejo — Pangkalan Bun",
        "Keperluan: beasiswa Rp 1.500.000,00 untuk ananda Zulaikhā",
    )
    with Converter(mode=mode) as converter:
        pdf = converter.convert(src, tmp_path / "keluar")
        assert converter.active_mode == mode
    assert pdf == (tmp_path / "keluar" / "sktm.pdf").resolve()
    text = pdf_text(pdf)
    for expected in ("SURAT KETERANGAN TIDAK MAMPU", "470/123/KEC-ARSEL/XI/2026", "Siti & <Anak>", "Madurejo"):
        assert expected in text
    assert "Zulaikh" in text
    assert [p.name for p in (tmp_path / "keluar").iterdir()] == ["sktm.pdf"]  # no staging leftovers


@pytest.mark.parametrize("mode", MODES)
def test_convert_many(warm: Path, tmp_path: Path, mode: str) -> None:
    sources = [make_docx(tmp_path / f"surat{i}.docx", f"Surat nomor {i}", "Siti & <Anak>") for i in range(3)]
    out = tmp_path / "keluar"
    out.mkdir()
    (out / "surat1.pdf").write_bytes(b"stale")  # an old PDF must be replaced, not trusted
    with Converter(mode=mode) as converter:
        pdfs = converter.convert_many(sources, out)
    assert [p.name for p in pdfs] == ["surat0.pdf", "surat1.pdf", "surat2.pdf"]
    for i, pdf in enumerate(pdfs):
        assert f"Surat nomor {i}" in pdf_text(pdf)


def test_missing_soffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAKTI_SOFFICE", str(tmp_path / "tidak-ada" / "soffice"))
    with pytest.raises(EnvironmentProblem) as info:
        find_soffice()
    assert "LibreOffice tidak ditemukan" in info.value.pesan
    assert info.value.saran is not None and convert.INSTALL_COMMAND in info.value.saran
    with pytest.raises(EnvironmentProblem):
        Converter()


def test_corrupt_docx(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "templat_rusak.docx"
    bad.write_bytes(os.urandom(4096))
    with Converter(mode="soffice") as converter, pytest.raises(ConfigError) as info:
        converter.convert(bad, tmp_path / "keluar")
    assert "templat_rusak.docx" in info.value.pesan
    assert info.value.detail["berkas"] == str(bad.resolve())


@pytest.mark.parametrize("mode", MODES)
def test_docx_that_libreoffice_rejects(warm: Path, tmp_path: Path, mode: str) -> None:
    """A valid zip with broken XML passes our quick check; LibreOffice's refusal names the file."""
    good = make_docx(tmp_path / "baik.docx", "Surat baik")
    bad = tmp_path / "isi_rusak.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name) if name != "word/document.xml" else b"<w:document rusak"
            dst.writestr(name, data)
    out = tmp_path / "keluar"
    with Converter(mode=mode) as converter:
        with pytest.raises(ConfigError) as info:
            converter.convert_many([good, bad], out)
        assert "isi_rusak.docx" in info.value.pesan
        assert "baik.docx" not in info.value.pesan
        assert info.value.detail["berkas"] == [str(bad.resolve())]
        assert not list(out.iterdir())  # all or nothing
        # The converter stays usable after a bad template.
        assert "Surat baik" in pdf_text(converter.convert(good, out))


def test_timeout(warm: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAKTI_LO_TIMEOUT", "0.05")
    src = make_docx(tmp_path / "lambat.docx", "Surat")
    with Converter() as converter, pytest.raises(EnvironmentProblem) as info:
        converter.convert(src, tmp_path / "keluar")
    assert "lambat.docx" in info.value.pesan


@pytest.mark.skipif(not HAS_UNO, reason="python3-uno absent")
def test_uno_listener_stops_on_close(warm: Path, tmp_path: Path) -> None:
    src = make_docx(tmp_path / "a.docx", "Surat")
    with Converter(mode="uno") as converter:
        converter.convert(src, tmp_path)
        assert converter._bridge is not None and converter._bridge.office is not None
        office_pid = converter._bridge.office.pid
        workdir = converter._workdir
    assert _live_in_group(office_pid) == []
    assert not workdir.exists()


def _live_in_group(pgid: int) -> list[str]:
    """Commands of live (non-zombie) processes in a process group.

    LibreOffice leaves short-lived gpgconf children unreaped; once orphaned they are zombies
    until PID 1 collects them, so they do not count.
    """
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(text.split(")", 1)[0])
    return live


def test_falls_back_without_uno(warm: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAKTI_UNO_PYTHON", str(tmp_path / "tanpa-python"))
    src = make_docx(tmp_path / "a.docx", "Surat cadangan")
    with Converter(mode="auto") as converter:
        assert "Surat cadangan" in pdf_text(converter.convert(src, tmp_path / "keluar"))
        assert converter.active_mode == "soffice"
    with Converter(mode="uno") as converter, pytest.raises(EnvironmentProblem):
        converter.convert(src, tmp_path / "keluar")


@pytest.mark.skipif(not HAS_UNO, reason="python3-uno absent")
def test_uno_survives_a_dead_listener(warm: Path, tmp_path: Path) -> None:
    sources = [make_docx(tmp_path / f"s{i}.docx", f"Surat {i}") for i in range(2)]
    with Converter(mode="uno") as converter:
        converter.convert(sources[0], tmp_path / "keluar")
        assert converter._bridge is not None and converter._bridge.office is not None
        os.killpg(converter._bridge.office.pid, signal.SIGKILL)
        pdf = converter.convert(sources[1], tmp_path / "keluar")
        assert "Surat 1" in pdf_text(pdf)
        assert converter.active_mode == "soffice"


@pytest.mark.skipif(not HAS_UNO, reason="python3-uno absent")
def test_uno_listener_is_recycled(warm: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(convert, "_RECYCLE_AFTER", 1)
    src = make_docx(tmp_path / "a.docx", "Surat")
    with Converter(mode="uno") as converter:
        pids = []
        for _ in range(2):
            converter.convert(src, tmp_path / "keluar")
            assert converter._bridge is not None and converter._bridge.office is not None
            pids.append(converter._bridge.office.pid)
    assert pids[0] != pids[1]
    assert _live_in_group(pids[0]) == []
