"""The key part of ``sakti cadangkan --dengan-kunci``: sealed with a passphrase typed at the terminal.

A PKCS#12 and the passphrase file beside it must never travel in one readable archive. The files of
pki/ that are not public certificates are packed into a small tar, and that tar is encrypted with
AES-256-GCM under a key derived from the passphrase by scrypt (memory-hard). The sealed blob is one
line of JSON (what was used: version, KDF and its parameters, salt, nonce), a newline, then the
ciphertext with its tag. The header line is authenticated too (GCM associated data), so changing a
parameter is detected like changing the ciphertext. Nothing about the keys (names, hashes) is
readable without the passphrase.
"""

from __future__ import annotations

import base64
import json
import os
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import EnvironmentProblem, InputError, SigningKeyError

if TYPE_CHECKING:
    from sakti_cli.signatures.keys import PassphrasePrompt

SEAL_KIND = "kunci-sakti"
SEAL_VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # 32 MiB, about 0.1 s: per backup, not per letter
MAX_SCRYPT_N = 2**17  # a crafted header may not make the restore allocate more than 128 MiB
MIN_PASSPHRASE = 8
MAX_HEADER = 1024
MAX_SEALED = 64 << 20  # keys and certificates: kilobytes; a larger blob is not ours


class BackupPassphraseWrong(SigningKeyError):
    """The backup's key part does not open with the passphrase given (or was changed)."""

    kode = "SANDI_CADANGAN_SALAH"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def seal(plaintext: bytes, passphrase: bytes) -> bytes:
    """Encrypt ``plaintext`` (the packed key files) under ``passphrase``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    header = json.dumps({"jenis": SEAL_KIND, "versi": SEAL_VERSION,
                         "kdf": {"nama": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "garam": _b64(salt)},
                         "sandi": {"nama": "AES-256-GCM", "nonce": _b64(nonce)}},
                        separators=(",", ":"), sort_keys=True).encode()
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return header + b"\n" + AESGCM(key).encrypt(nonce, plaintext, header)


def _header(blob: bytes, where: str) -> tuple[bytes, dict[str, Any]]:
    from sakti_cli.core.errors import BackupInvalid

    line, _, _ = blob[:MAX_HEADER].partition(b"\n")
    bad = BackupInvalid(f"Bagian kunci {where} tidak berbentuk kunci tersegel sakti.",
                        saran="Arsip ini bukan buatan 'sakti cadangkan --dengan-kunci'; jangan dipulihkan.")
    try:
        header = json.loads(line)
        kdf, cipher = header["kdf"], header["sandi"]
        salt, nonce = base64.b64decode(kdf["garam"], validate=True), base64.b64decode(cipher["nonce"], validate=True)
        n, r, p = kdf["n"], kdf["r"], kdf["p"]
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if header.get("jenis") != SEAL_KIND or kdf.get("nama") != "scrypt" or cipher.get("nama") != "AES-256-GCM":
        raise bad
    if not isinstance(header.get("versi"), int) or header["versi"] > SEAL_VERSION:
        raise BackupInvalid(f"Bagian kunci {where} berversi {header.get('versi')!r}; sakti ini mengenal sampai "
                            f"versi {SEAL_VERSION}.", saran="Perbarui sakti sebelum memulihkan cadangan ini.")
    if not (all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p))
            and 2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and r == SCRYPT_R and p == SCRYPT_P
            and len(salt) >= 16 and len(nonce) == 12):
        raise bad
    return line, {"salt": salt, "nonce": nonce, "n": n, "r": r, "p": p}


def unseal(blob: bytes, passphrase: bytes, where: str) -> bytes:
    """Decrypt a sealed key part; a wrong passphrase (or a changed blob) is BackupPassphraseWrong (exit 4)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    line, params = _header(blob, where)
    key = _derive(passphrase, params["salt"], params["n"], params["r"], params["p"])
    try:
        return AESGCM(key).decrypt(params["nonce"], blob[len(line) + 1:], line)
    except InvalidTag:
        raise BackupPassphraseWrong(
            f"Sandi cadangan kunci untuk {where} salah (atau bagian kuncinya telah diubah); tidak ada yang "
            "dipulihkan.", saran="Ulangi dengan sandi yang diketik saat 'sakti cadangkan --dengan-kunci'.") from None


def _no_terminal(action: str) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"{action} membutuhkan sandi cadangan kunci yang diketik di terminal, tetapi tidak ada terminal.",
        saran="Jalankan perintah ini di terminal agar sandinya dapat diketik (sandi tidak pernah dibaca dari "
        "argumen atau variabel lingkungan); cadangan tanpa --dengan-kunci tidak membutuhkannya.")


def ask_new_passphrase(prompt: PassphrasePrompt | None) -> bytes:
    """Twice at the terminal, equal, at least MIN_PASSPHRASE characters."""
    first = prompt("Sandi baru untuk bagian kunci cadangan") if prompt else None
    if prompt is None or first is None:
        raise _no_terminal("'sakti cadangkan --dengan-kunci'")
    if len(first) < MIN_PASSPHRASE:
        raise InputError(f"Sandi cadangan kunci terlalu pendek ({len(first)} karakter, minimal {MIN_PASSPHRASE}).",
                         saran="Pakai kalimat sandi yang panjang dan simpan terpisah dari berkas cadangannya.")
    second = prompt("Ulangi sandi untuk bagian kunci cadangan")
    if second != first:
        raise InputError("Kedua sandi cadangan kunci yang diketik tidak sama; cadangan tidak dibuat.",
                         saran="Ulangi 'sakti cadangkan --dengan-kunci' dan ketik sandi yang sama dua kali.")
    return first.encode()


def ask_passphrase(prompt: PassphrasePrompt | None, where: str) -> bytes:
    typed = prompt(f"Sandi bagian kunci cadangan {where}") if prompt else None
    if typed is None:
        raise _no_terminal(f"Memulihkan {where} (cadangan dengan kunci)")
    return typed.encode()
