"""Issue 11 section 2: the signatory's sole control (UU ITE Pasal 11).

A personal key (``sifat = "pribadi"``, and any key named on the command line) is unlocked only by a
passphrase typed at the terminal, after being shown what it signs; never from SAKTI_SANDI or a
passphrase file. A seal (``sifat = "segel"``) may run unattended, but only with a certificate naming
the office. The audit trail records the OS account beside the clerk's claim.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_TIME, REPO, Cli, Typist
from cryptography.hazmat.primitives.serialization import Encoding
from pki_helpers import around_both_clocks, make_pdf

from sakti_cli.signatures.pki import make_certificate_pair, pkcs12_bytes, write_private

NIK = "6201025403850003"  # the SKTM example's applicant (Rusmini)


def personal(kantor: Path, extra_key: str = "") -> None:
    """Make the fixture's camat a person again (the fixture marks its demo key as the office seal)."""
    config = kantor / "sakti.toml"
    text = config.read_text().replace('\nsifat = "segel"', '\nsifat = "pribadi"', 1)
    config.write_text(text.replace('berkas = "pki/camat.p12" }', f'berkas = "pki/camat.p12"{extra_key} }}', 1))


def letters(kantor: Path) -> list[dict]:
    found = []
    for path in sorted((kantor / "data" / "register" / "surat").glob("*.json")):
        for table in json.loads(path.read_text()).values():
            found += table.values()
    return found


def audit_events(kantor: Path) -> list[dict]:
    lines = []
    for path in sorted((kantor / "data" / "register" / "audit").glob("*.jsonl")):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return lines


def ready(registered: Callable[..., str], cli: Cli) -> str:
    reg = registered()
    cli.json("periksa", reg)
    return reg


def test_personal_key_is_never_unlocked_from_a_variable_or_file(kantor: Path, cli: Cli, tmp_path: Path,
                                                                registered: Callable[..., str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reg = ready(registered, cli)
    personal(kantor)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    refused = cli("terbitkan", reg, "--json")
    assert refused.exit_code == 4
    error = json.loads(refused.stdout)["error"]
    assert "SAKTI_SANDI" in error["pesan"] and "UU ITE Pasal 11" in error["pesan"] and "kunci pribadi" in error["pesan"]
    assert "unset SAKTI_SANDI" in error["saran"] and "segel" in error["saran"]
    assert letters(kantor) == []  # refused before a number was reserved
    monkeypatch.delenv("SAKTI_SANDI")
    secret = tmp_path / "sandi"
    secret.write_text("demo\n")
    secret.chmod(0o600)
    personal(kantor, f', berkas_sandi = "{secret}"')
    from_file = cli("terbitkan", reg, "--json")
    message = json.loads(from_file.stdout)["error"]["pesan"]
    assert from_file.exit_code == 4 and str(secret) in message and "Pasal 11" in message
    periksa = {item["kode"]: item for item in json.loads(cli("kantor", "periksa", "--json").stdout)["temuan"]}
    assert periksa["SANDI_TERSIMPAN_KUNCI_PRIBADI"]["tingkat"] == "galat"
    no_terminal = cli("tandatangani", str(make_pdf(tmp_path / "a.pdf")), "--sertifikat", str(kantor / "pki" /
                      "camat.p12"), "--berkas-sandi", str(secret))
    assert no_terminal.exit_code == 4 and "kunci pribadi" in no_terminal.stderr  # a key named here is personal
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    shown = cli("sertifikat", "lihat", str(kantor / "pki" / "camat.p12"))
    assert shown.exit_code == 4 and "SAKTI_SANDI" in shown.stderr
    assert letters(kantor) == [] and cli.json("status", reg)["status"] == "LENGKAP"


def test_personal_key_without_terminal_says_what_to_do(kantor: Path, cli: Cli, registered: Callable[..., str]
                                                       ) -> None:
    reg = ready(registered, cli)
    personal(kantor)
    result = cli("terbitkan", reg)
    assert result.exit_code == 4
    message = " ".join(result.stderr.split())
    assert "hanya dapat diketik penandatangannya sendiri" in message and "--tanpa-ttd" in message
    assert letters(kantor) == []


@pytest.mark.parametrize("common_name", ["Drs. H. AHMAD YANI, M.Si", "Camat Arut Selatan",
                                         "Sekretaris Kecamatan Arut Selatan"])
def test_a_seal_whose_certificate_names_a_person_is_refused(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                            monkeypatch: pytest.MonkeyPatch, common_name: str) -> None:
    """Marking the camat's own key as a seal does not let a variable unlock it."""
    start, end = around_both_clocks(FIXED_TIME)
    pair = make_certificate_pair(now=start, not_after=end, signer_name=common_name, root_key_size=2048)
    write_private(kantor / "pki" / "camat.p12", pkcs12_bytes(pair, "demo"))
    write_private(kantor / "pki" / "demo-root.pem", pair.root_cert.public_bytes(Encoding.PEM))
    write_private(kantor / "pki" / "camat.pem", pair.signer_cert.public_bytes(Encoding.PEM))
    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace('berkas = "pki/camat.p12" }',
                                                 'berkas = "pki/camat.p12", sertifikat = "pki/camat.pem" }', 1))
    periksa = {item["kode"]: item for item in json.loads(cli("kantor", "periksa", "--json").stdout)["temuan"]}
    assert periksa["SEGEL_BUKAN_SERTIFIKAT_KANTOR"]["tingkat"] == "galat"
    assert "Kecamatan Arut Selatan" in periksa["SEGEL_BUKAN_SERTIFIKAT_KANTOR"]["saran"]
    if common_name != "Camat Arut Selatan":
        return
    reg = ready(registered, cli)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    result = cli("terbitkan", reg, "--json")
    assert result.exit_code == 4 and "bukan kunci seseorang" in json.loads(result.stdout)["error"]["pesan"]
    assert letters(kantor) == []


def test_terbitkan_shows_what_it_signs_then_asks_once(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                      typist: Typist) -> None:
    reg = ready(registered, cli)
    personal(kantor)
    previews: list[bool] = []

    def camat(label: str) -> str:
        previews.append(all(Path(line.split("pratinjau: ", 1)[1]).is_file()
                            for line in label.splitlines() if "pratinjau: " in line))
        return typist(label) or "demo"

    import sakti_cli.cli.state as state

    state.PASSPHRASE_PROMPTER = camat  # restored by the typist fixture's monkeypatch
    issued = cli.json("terbitkan", reg)
    [label] = typist.asked
    assert previews == [True]  # the preview exists while the signatory decides
    assert "sktm (Surat Keterangan Tidak Mampu)" in label and "pemohon R******" in label
    assert "dipesan sesudah sandi diterima" in label and label.splitlines()[-1].startswith("Sandi kunci Camat")
    assert NIK not in label and "Rusmini" not in label
    assert issued["penandatangan"]["sifat"] == "pribadi"
    assert any("AHMAD YANI" in w for w in issued["peringatan"])  # the certificate names the office, not him
    verified = cli.json("verifikasi", issued["pdf"])
    assert verified["surat"]["penandatangan"]["sifat"] == "pribadi"
    human = cli("verifikasi", issued["pdf"])
    assert "tanda tangan pribadi" in human.stdout
    event = next(e for e in audit_events(kantor) if e["aksi"] == "terbit")
    assert event["detail"]["penandatangan"] == "camat" and event["akun"].endswith(f"(uid {os.getuid()})")


def test_ttd_setujui_semua_lists_every_letter_before_one_question(kantor: Path, cli: Cli, typist: Typist,
                                                                  registered: Callable[..., str], demo_pki: Any
                                                                  ) -> None:
    import shutil

    shutil.copy(demo_pki.signer_p12.with_name("demo-signer.pem"), kantor / "pki" / "camat.pem")
    personal(kantor, ', sertifikat = "pki/camat.pem"')  # the footer of a queued letter names its issuer
    regs = [ready(registered, cli) for _ in range(2)]
    prepared = [cli.json("--petugas", "Budi", "terbitkan", reg, "--tanpa-ttd") for reg in regs]
    typist.answer = "demo"
    approved = cli.json("ttd", "setujui", "--semua")
    assert len(approved["ditandatangani"]) == 2
    [label] = typist.asked  # asked once for both
    for letter in prepared:
        assert letter["nomor_surat"] in label and letter["pdf"] in label
    assert "(2 dokumen)" in label and "semua dokumen di atas" in label and label.count("pemohon R******") == 2
    events = [e for e in audit_events(kantor) if e["aksi"] in ("siapkan", "terbit")]
    assert {e["petugas"] for e in events if e["aksi"] == "siapkan"} == {"Budi"}  # the clerk's claim
    assert all(e["akun"] and e["detail"]["penandatangan"] == "camat" for e in events)


def test_passphrase_typed_under_a_real_terminal(tmp_path: Path, demo_pki: object) -> None:
    """`sakti tandatangani --sertifikat` in a pseudo-terminal: the file is shown, then the passphrase typed."""
    import pty
    import select

    from test_loket_tanya import _own_terminal, _read_until

    pdf = make_pdf(tmp_path / "surat.pdf")
    env = {k: v for k, v in os.environ.items() if k not in ("SAKTI_KANTOR", "SAKTI_SANDI")}
    env["TERM"] = "dumb"
    parent, child = pty.openpty()
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "sakti"), "tandatangani", str(pdf), "--sertifikat",
                             str(demo_pki.signer_p12)], stdin=child, stdout=child, stderr=child,  # type: ignore[attr-defined]
                            env=env, close_fds=True, preexec_fn=_own_terminal, cwd=tmp_path)
    os.close(child)
    seen: list[str] = []
    try:
        _read_until(parent, "Sandi kunci", seen, limit=60)
        time.sleep(0.3)
        os.write(parent, b"demo\n")
        _read_until(parent, "Ditandatangani", seen, limit=60)
        code = proc.wait(timeout=60)
        while select.select([parent], [], [], 0.2)[0]:
            try:
                if not os.read(parent, 4096):
                    break
            except OSError:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(parent)
    shown = "".join(seen)
    assert code == 0 and str(pdf.resolve()) in shown and "Ketik sandi hanya bila Anda sendiri" in shown
    assert "demo\r\n" not in shown.split("Sandi kunci", 1)[1]  # typed hidden
    assert (tmp_path / "surat-ttd.pdf").is_file()


def test_one_request_lists_a_batch_masked() -> None:
    """What massal --terbitkan shows before its one question (the lead hooks it into the batch signer)."""
    from sakti_cli.services.sop import load_service
    from sakti_cli.signatures.consent import application_items, signing_request

    sktm = load_service(REPO / "sop", "sktm")
    records = [{"layanan": "sktm", "data": {"nama": "Siti Aminah", "nik": NIK}},
               {"layanan": "sktm", "data": {"nama": f"Budi {NIK}"}}]
    text = signing_request("Camat Arut Selatan (X)", application_items(records, lambda code: sktm))
    lines = text.splitlines()
    assert lines[0].endswith("(2 dokumen):") and "1. (nomor dipesan sesudah sandi diterima)" in lines[1]
    assert "pemohon S*** A*****" in lines[1] and "pemohon B*** " in lines[2]
    assert NIK not in text and "Siti" not in text and "semua dokumen di atas" in lines[-1]
