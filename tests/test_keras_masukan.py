"""Issue 8, section 5: hostile inputs get a clear refusal, not a copy.

Each test builds the hostile input itself (a traversal envelope, a symlink out of its folder, a sparse
1 GB file, a PNG header claiming 100000 x 100000 pixels, PDFs with active content or a ZIP glued on,
names with terminal escapes, JSON nested 100000 deep) and checks the exit code, the Indonesian message
naming the field or file, that nothing was copied into the office, that the folder next door is
unchanged, and that no raw control character reached stdout or stderr.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import REPO, Cli

SAKTI = Path(sys.executable).parent / "sakti"
GB = 1 << 30
HOSTILE_CHARS = ("\x1b[2J", "\u202e", "\u200b")


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace without keys or LibreOffice: registering and checking need neither."""
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


@pytest.fixture
def envelope(tmp_path: Path) -> Path:
    """The bundled SKTM envelope and its files, copied into a folder of their own (``masuk/``)."""
    folder = tmp_path / "masuk"
    shutil.copytree(REPO / "contoh" / "sktm", folder)
    return folder / "pemohon.json"


@pytest.fixture
def neighbour(tmp_path: Path) -> Path:
    """A folder next to the envelope's, holding something personal an attacker wants copied."""
    folder = tmp_path / "rahasia"
    folder.mkdir()
    (folder / "ktp-tetangga.jpg").write_bytes((REPO / "contoh" / "sktm" / "ktp.jpg").read_bytes())
    return folder


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stored_files(office: Path) -> list[Path]:
    return [p for p in (office / "data" / "berkas").rglob("*") if p.is_file()]


def assert_no_raw_controls(*texts: str) -> None:
    for text in texts:
        bad = [c for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
        assert not bad, (bad, text)


def with_envelope(source: Path, target: Path, change: dict) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    for key, value in change.items():
        data[key].update(value)
    target.write_text(json.dumps(data), encoding="utf-8")
    return target


# --- envelope paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../rahasia/ktp-tetangga.jpg", "../../../../../../etc/hostname", "/etc/hostname"])
def test_envelope_file_outside_its_folder_is_refused(
    cli: Cli, office: Path, envelope: Path, neighbour: Path, name: str
) -> None:
    before = tree_hash(neighbour)
    data = with_envelope(envelope, envelope.parent / "jahat.json", {"berkas": {"ktp": name}})
    result = cli("daftar", "sktm", "--data", data)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "berkas.ktp" in result.stderr and name in result.stderr
    assert "di luar folder" in result.stderr
    assert stored_files(office) == []
    assert tree_hash(neighbour) == before
    assert_no_raw_controls(result.stdout, result.stderr)


def test_symlink_leaving_the_envelope_folder_counts_as_leaving(
    cli: Cli, office: Path, envelope: Path, neighbour: Path
) -> None:
    (envelope.parent / "ktp-pintas.jpg").symlink_to(neighbour / "ktp-tetangga.jpg")
    data = with_envelope(envelope, envelope.parent / "jahat.json", {"berkas": {"ktp": "ktp-pintas.jpg"}})
    payload = cli.json("daftar", "sktm", "--data", data, code=3)
    assert payload["error"]["detail"]["masalah"][0]["kolom"] == "berkas.ktp"
    assert "tautan ke luar folder" in payload["error"]["pesan"]
    assert stored_files(office) == []


def test_per_person_file_of_a_list_is_confined_too(cli: Cli, office: Path, tmp_path: Path, neighbour: Path) -> None:
    folder = tmp_path / "waris"
    shutil.copytree(REPO / "contoh" / "ahli-waris", folder)
    data = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
    data["isian"]["ahli_waris"][1]["berkas"]["ktp"] = "../rahasia/ktp-tetangga.jpg"
    (folder / "jahat.json").write_text(json.dumps(data), encoding="utf-8")
    result = cli("daftar", "ahli-waris", "--data", folder / "jahat.json")
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "ahli_waris[1].berkas.ktp" in result.stderr
    assert stored_files(office) == []


def test_stdin_envelope_resolves_in_the_current_folder_and_is_confined(
    cli: Cli, office: Path, envelope: Path, neighbour: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(envelope.parent)
    text = envelope.read_text(encoding="utf-8")
    hostile = json.loads(text)
    hostile["berkas"]["kk"] = "../rahasia/ktp-tetangga.jpg"
    result = cli("daftar", "sktm", "--data", "-", input=json.dumps(hostile))
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "berkas.kk" in result.stderr and "../rahasia/ktp-tetangga.jpg" in result.stderr
    assert stored_files(office) == []
    # the same envelope with its own files, from stdin in its folder, is accepted
    payload = cli.json("daftar", "sktm", "--data", "-", input=text)
    assert sorted(payload["berkas"]) == ["kk", "ktp", "pengantar"]


def test_the_clerk_may_attach_any_file_with_berkas(cli: Cli, office: Path, envelope: Path, neighbour: Path) -> None:
    payload = cli.json("daftar", "sktm", "--data", envelope, "--berkas", f"ktp={neighbour / 'ktp-tetangga.jpg'}")
    assert payload["berkas"]["ktp"][0]["nama_asli"] == "ktp-tetangga.jpg"


# --- sizes and pixels ----------------------------------------------------------------------------


def sparse_pdf(path: Path, size: int = GB) -> Path:
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    os.truncate(path, size)
    return path


def run_measured(*args: str | Path, cwd: Path) -> tuple[int, str, int]:
    """Run the installed ``sakti`` and return (exit code, stderr, peak RSS in bytes) of that child alone.

    The peak is the child's own VmHWM, polled from /proc (bench/run.py's ``run``): ``wait4``'s ``ru_maxrss``
    would carry the size of this pytest process, whose memory the child shares until it execs."""
    if str(REPO / "bench") not in sys.path:
        sys.path.insert(0, str(REPO / "bench"))
    import run as bench  # bench/run.py

    done = bench.run([str(SAKTI), *map(str, args)], env=dict(os.environ), memory=True, cwd=cwd)
    return done.returncode, done.stderr, int(done.rss_mb * 1024 * 1024)


def test_a_1_gb_file_is_refused_by_daftar_before_a_byte_is_copied(office: Path, envelope: Path, tmp_path: Path) -> None:
    big = sparse_pdf(tmp_path / "pengantar-besar.pdf")
    code, stderr, rss = run_measured("daftar", "sktm", "--data", envelope, "--berkas", f"pengantar={big}",
                                     cwd=tmp_path)
    assert code == 3, stderr
    assert "pengantar" in stderr and "pengantar-besar.pdf" in stderr and "melebihi batas 2 MB" in stderr
    assert 0 < rss < 300 * 1024 * 1024 < GB  # 0: the poll never saw the child (it would prove nothing)
    assert stored_files(office) == []
    used = sum(p.stat().st_blocks * 512 for p in office.rglob("*") if p.is_file())
    assert used < 50 * 1024 * 1024  # nothing of the gigabyte was written into the office
    assert_no_raw_controls(stderr)


def test_lengkapi_refuses_an_oversized_file_and_keeps_the_old_one(
    cli: Cli, office: Path, envelope: Path, tmp_path: Path
) -> None:
    reg = cli.json("daftar", "sktm", "--data", envelope)["nomor_registrasi"]
    before = sorted(p.name for p in stored_files(office))
    big = sparse_pdf(tmp_path / "kk.pdf", 50 * 1024 * 1024)
    result = cli("lengkapi", reg, "--berkas", f"kk={big}")
    assert result.exit_code == 3, result.stderr
    assert "'kk'" in result.stderr and "melebihi batas" in result.stderr
    assert sorted(p.name for p in stored_files(office)) == before


def test_periksa_of_a_stored_1_gb_file_reports_its_size_without_reading_it(
    cli: Cli, office: Path, envelope: Path, tmp_path: Path
) -> None:
    reg = cli.json("daftar", "sktm", "--data", envelope)["nomor_registrasi"]
    stored = office / "data" / "berkas" / reg / "pengantar-1.pdf"
    sparse_pdf(stored)  # grown after registration (or registered under a larger SOP limit)
    code, stderr, rss = run_measured("periksa", reg, cwd=tmp_path)
    assert code == 1, stderr
    assert 0 < rss < 300 * 1024 * 1024
    line = next(r for r in cli.json("status", reg)["periksa"]["hasil"] if r["kode"] == "pengantar")
    assert line["status"] == "TIDAK_VALID" and "melebihi batas 2 MB" in line["pesan"]
    assert "pengantar.pdf" in line["pesan"]


def png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_an_image_declaring_10_gigapixels_is_refused_before_copying(
    cli: Cli, office: Path, envelope: Path, tmp_path: Path
) -> None:
    bomb = tmp_path / "ktp.png"
    bomb.write_bytes(png_claiming(100_000, 100_000))
    result = cli("daftar", "sktm", "--data", envelope, "--berkas", f"ktp={bomb}")
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "'ktp'" in result.stderr and "100.000 x 100.000 piksel" in result.stderr and "terlalu besar" in result.stderr
    assert stored_files(office) == []


def test_periksa_reports_a_pixel_bomb_already_stored(office: Path) -> None:
    from sakti_cli.services.rules.berkas import check_file

    path = office / "bom.png"
    path.write_bytes(png_claiming(100_000, 100_000))
    result = check_file(path, ["png"], 2048)
    assert result.status == "TIDAK_VALID" and "piksel" in result.pesan


# --- active PDFs and polyglots --------------------------------------------------------------------


def pdf(catalog: str = "", *objects: str, tail: bytes = b"") -> bytes:
    """A small valid PDF: catalog (objects 1-3 are catalog, pages, page), ``objects`` from number 4."""
    bodies = [f"<< /Type /Catalog /Pages 2 0 R {catalog} >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>", *objects]
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out + tail


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("muatan.exe", b"MZ" + b"\0" * 64)
    return buffer.getvalue()


def embedded_file_pdf() -> bytes:
    return pdf("/Names << /EmbeddedFiles 4 0 R >>", "<< /Names [(a.exe) 5 0 R] >>",
               "<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
               "<< /Length 2 >>\nstream\nMZ\nendstream")


def object_stream_pdf() -> bytes:
    """/OpenAction to object 4, which lives only inside a compressed object stream (xref stream)."""
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    head = b"4 0 "
    objstm = zlib.compress(head + action)
    bodies: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                           b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = b"%PDF-1.7\n", {}
    for number, body in enumerate(bodies, 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[5] = len(out)
    out += (b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\n"
            b"endobj\n" % (len(head), len(objstm), objstm))
    offsets[6] = len(out)
    rows = [b"\x00\x00\x00\x00\x00\xff"]
    rows += [b"\x01" + struct.pack(">I", offsets[n]) + b"\x00" for n in (1, 2, 3)]
    rows += [b"\x02" + struct.pack(">I", 5) + b"\x00", b"\x01" + struct.pack(">I", offsets[5]) + b"\x00"]
    rows += [b"\x01" + struct.pack(">I", offsets[6]) + b"\x00"]
    xref = zlib.compress(b"".join(rows))
    out += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
            b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(xref), xref, offsets[6]))
    return out


ACTIVE = {
    "javascript": (pdf("/OpenAction 4 0 R", "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"), "JavaScript"),
    "hex-escaped": (pdf("/Names << /J#61vaScript 4 0 R >>", "<< /Names [(x) 5 0 R] >>",
                        "<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"), "JavaScript"),
    "object-stream": (object_stream_pdf(), "JavaScript"),
    "launch": (pdf("/OpenAction 4 0 R", "<< /S /Launch /F (cmd.exe) >>"), "Launch"),
    "embedded-file": (embedded_file_pdf(), "berkas tersemat"),
    "uri-on-open": (pdf("/OpenAction 4 0 R", "<< /S /URI /URI (http://contoh.invalid/) >>"), "alamat web otomatis"),
    "submit-on-close": (pdf("/AA << /WC 4 0 R >>", "<< /S /SubmitForm /F (http://contoh.invalid/) >>"),
                        "pengiriman formulir otomatis"),
    "zip-appended": (pdf(tail=zip_bytes()), "ZIP"),
    "zip-inside": (pdf("", "<< /Length 60 >>\nstream\n" + zip_bytes()[:60].decode("latin-1") + "\nendstream"),
                   "ZIP"),
}


@pytest.mark.parametrize("case", sorted(ACTIVE))
def test_active_or_polyglot_pdf_is_not_valid(tmp_path: Path, case: str) -> None:
    from sakti_cli.services.rules.berkas import check_file

    content, reason = ACTIVE[case]
    path = tmp_path / "surat.pdf"
    path.write_bytes(content)
    result = check_file(path, ["pdf"], 2048)
    assert result.status == "TIDAK_VALID", result.pesan
    assert reason in result.pesan and "surat.pdf" in result.pesan


@pytest.mark.parametrize("content", [pdf(), pdf("/OpenAction [3 0 R /Fit]"),
                                     pdf("", "<< /Type /Annot /Subtype /Link /A << /S /URI /URI (http://x.id) >> >>"),
                                     pdf("/AcroForm << /Fields [4 0 R] >>",
                                         "<< /FT /Btn /T (kirim) /A << /S /SubmitForm /F (http://x.id) >> >>")],
                         ids=["plain", "open-at-page", "clickable-link", "form-button"])
def test_ordinary_pdfs_stay_valid(tmp_path: Path, content: bytes) -> None:
    from sakti_cli.services.rules.berkas import check_file

    path = tmp_path / "biasa.pdf"
    path.write_bytes(content)
    assert check_file(path, ["pdf"], 2048).status == "OK"


@pytest.mark.parametrize("content", [b"%PDF-1.7\n" + b"[" * 100_000 + b"\n/JavaScript\n%%EOF",
                                     b"%PDF-1.7\n1 0 obj << /S /Launch /F (x) >> endobj\ntrailer << /Root 9 0 R >>",
                                     pdf().replace(b"xref", b"xerf")[:-40]],
                         ids=["deep-arrays", "no-xref", "cut"])
def test_malformed_pdf_is_not_valid_and_does_not_crash(tmp_path: Path, content: bytes) -> None:
    from sakti_cli.services.rules.berkas import check_file

    path = tmp_path / "rusak.pdf"
    path.write_bytes(content)
    assert check_file(path, ["pdf"], 2048).status == "TIDAK_VALID"


def test_periksa_names_the_active_pdf(cli: Cli, office: Path, envelope: Path, tmp_path: Path) -> None:
    evil = tmp_path / "pengantar-desa.pdf"
    evil.write_bytes(ACTIVE["javascript"][0])
    reg = cli.json("daftar", "sktm", "--data", envelope, "--berkas", f"pengantar={evil}")["nomor_registrasi"]
    payload = cli.json("periksa", reg, code=1)
    line = next(r for r in payload["hasil"] if r["kode"] == "pengantar")
    assert line["status"] == "TIDAK_VALID"
    assert "JavaScript" in line["pesan"] and "pengantar-desa.pdf" in line["pesan"]


# --- control characters, NFC, names ------------------------------------------------------------------


@pytest.mark.parametrize("hidden", HOSTILE_CHARS, ids=["esc-clear", "rlo", "zero-width"])
def test_data_field_with_hidden_characters_is_refused(
    cli: Cli, office: Path, envelope: Path, tmp_path: Path, hidden: str
) -> None:
    data = with_envelope(envelope, envelope.parent / "nama.json", {"isian": {"nama": f"Rus{hidden}mini"}})
    result = cli("daftar", "sktm", "--data", data)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "nama:" in result.stderr and f"U+{ord(hidden[0]):04X}" in result.stderr
    assert stored_files(office) == []
    assert_no_raw_controls(result.stdout, result.stderr)


def test_data_is_stored_in_nfc(cli: Cli, office: Path, envelope: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Rusmini André")
    data = with_envelope(envelope, envelope.parent / "nfd.json", {"isian": {"nama": decomposed}})
    payload = cli.json("daftar", "sktm", "--data", data)
    assert payload["data"]["nama"] == "Rusmini André" == unicodedata.normalize("NFC", decomposed)


def test_uploaded_file_name_is_cleaned_and_output_never_prints_raw_controls(
    cli: Cli, office: Path, envelope: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "ktp\x1b[2J\u202egpj.exe;$(rm -rf ~) (1).jpg"
    shutil.copy(envelope.parent / "ktp.jpg", odd)
    payload = cli.json("daftar", "sktm", "--data", envelope, "--berkas", f"ktp={odd}")
    stored = payload["berkas"]["ktp"][0]["nama_asli"]
    assert stored == "ktp-2Jgpj.exe-rm-rf-1.jpg"
    reg = payload["nomor_registrasi"]
    for args in (("status", reg), ("periksa", reg)):
        result = cli(*args)
        assert_no_raw_controls(result.stdout, result.stderr)


@pytest.mark.parametrize("args", [("status", "REG-2026\x1b[2J"), ("daftar", "sk\u202etm", "--data", "x.json"),
                                  ("status", "REG\u200b-202611-0001", "--json")],
                         ids=["esc-in-number", "rlo-in-code", "zero-width-json"])
def test_codes_from_the_command_line_are_shown_escaped(cli: Cli, office: Path, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert_no_raw_controls(result.stdout, result.stderr)
    assert "\\x1b" in result.stderr or "\\u202e" in result.stderr or "\\u200b" in result.stderr
    if "--json" in args:
        assert "\u200b" in json.loads(result.stdout)["error"]["pesan"]  # escaped on screen, intact as JSON


# --- malformed structure -----------------------------------------------------------------------------


def test_json_nested_100000_deep_is_bad_input(cli: Cli, office: Path, tmp_path: Path) -> None:
    deep = tmp_path / "dalam.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = cli("daftar", "sktm", "--data", deep)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "dalam.json" in result.stderr and "bersarang" in result.stderr
    result = cli("daftar", "sktm", "--data", "-", input='{"a":' * 100_000 + "1" + "}" * 100_000)
    assert result.exit_code == 3 and "stdin" in result.stderr and "bersarang" in result.stderr


def test_deep_yaml_in_an_sop_or_the_calendar_is_a_named_config_error(cli: Cli, office: Path) -> None:
    from sakti_cli.core.errors import ConfigError
    from sakti_cli.services.rules.kalender import parse_calendar

    deep = "kode: " + "[" * 600 + "]" * 600 + "\n"  # past the recursion limit of PyYAML's composer
    (office / "sop" / "sktm.yaml").write_text(deep, encoding="utf-8")
    result = cli("daftar", "sktm", "--data", "x.json")
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert "sktm.yaml" in result.stderr and "bersarang" in result.stderr and "tak terduga" not in result.stderr
    calendar = office / "sop" / "_kalender.yaml"
    calendar.write_text(deep, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"_kalender\.yaml.*bersarang"):
        parse_calendar(calendar)


def test_markup_in_a_name_is_shown_as_written_not_a_crash(cli: Cli, office: Path, envelope: Path) -> None:
    data = with_envelope(envelope, envelope.parent / "markup.json", {"isian": {"nama": "Rus [/] [red]mini"}})
    reg = cli.json("daftar", "sktm", "--data", data)["nomor_registrasi"]
    for args in (("permohonan",), ("status", reg)):
        result = cli(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert "[/]" in result.stdout and "tak terduga" not in result.stderr


def test_clerk_texts_with_hidden_characters_are_refused(cli: Cli, office: Path, envelope: Path) -> None:
    reg = cli.json("daftar", "sktm", "--data", envelope)["nomor_registrasi"]
    result = cli("tolak", reg, "--alasan", "pengantar\u202e palsu")
    assert result.exit_code == 3 and "U+202E" in result.stderr
    result = cli("--petugas", "loket\x1b[2J", "tolak", reg, "--alasan", "pengantar palsu")
    assert result.exit_code == 2 and "--petugas" in result.stderr
    assert_no_raw_controls(result.stdout, result.stderr)
    assert cli.json("status", reg)["status"] == "DITERIMA"


@pytest.mark.parametrize("name", ["ktp\x00.jpg", "\ud800.jpg"], ids=["nul", "lone-surrogate"])
def test_envelope_file_name_the_file_system_cannot_take_is_bad_input(
    cli: Cli, office: Path, envelope: Path, name: str
) -> None:
    data = with_envelope(envelope, envelope.parent / "aneh.json", {"berkas": {"ktp": name}})
    result = cli("daftar", "sktm", "--data", data)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "berkas.ktp" in result.stderr and "tak terduga" not in result.stderr
    assert stored_files(office) == []


def test_envelope_file_with_escapes_in_its_name_is_stored_under_a_clean_name(
    cli: Cli, office: Path, envelope: Path
) -> None:
    shutil.copy(envelope.parent / "ktp.jpg", envelope.parent / "ktp\x1b[2J\u202e.jpg")
    data = with_envelope(envelope, envelope.parent / "esc.json", {"berkas": {"ktp": "ktp\x1b[2J\u202e.jpg"}})
    result = cli("daftar", "sktm", "--data", data, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["berkas"]["ktp"][0]["nama_asli"] == "ktp-2J.jpg"
    assert_no_raw_controls(result.stdout, result.stderr)


def test_deep_toml_in_the_office_config_is_a_named_config_error(cli: Cli, office: Path) -> None:
    config = office / "sakti.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[dalam]\na = " + "[" * 5000 + "]" * 5000 + "\n",
                      encoding="utf-8")
    result = cli("kantor")
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert "sakti.toml" in result.stderr and "bersarang" in result.stderr and "tak terduga" not in result.stderr


def test_envelope_file_swapped_for_a_link_after_the_check_is_refused(
    cli: Cli, office: Path, envelope: Path, neighbour: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sakti_cli.services.rules import berkas

    checked = berkas.intake_problem
    ktp = envelope.parent / "ktp.jpg"

    def swap_then_check(path: Path, max_kb: int | None) -> str | None:
        problem = checked(path, max_kb)
        if path == ktp.resolve():  # the race: replaced by a link out of the folder after the check
            ktp.unlink()
            ktp.symlink_to(neighbour / "ktp-tetangga.jpg")
        return problem

    monkeypatch.setattr(berkas, "intake_problem", swap_then_check)
    result = cli("daftar", "sktm", "--data", envelope)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "'ktp'" in result.stderr and "tautan ke luar folder" in result.stderr
    assert stored_files(office) == []
    assert not list((office / "data" / "berkas").glob(".baru-*"))


def test_a_1_gb_data_file_is_refused_without_reading_it(cli: Cli, office: Path, tmp_path: Path) -> None:
    huge = tmp_path / "besar.json"
    huge.write_text("{", encoding="utf-8")
    os.truncate(huge, GB)
    result = cli("daftar", "sktm", "--data", huge)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "besar.json" in result.stderr and "16 MB" in result.stderr
