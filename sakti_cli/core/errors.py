"""Typed exceptions of the core.

Each carries an Indonesian message (``pesan``) and, where we know one, what to do about it
(``saran``). The CLI maps the class to an exit code in one table (``sakti_cli.cli.errors``);
the core never decides how an error is shown.
"""

from __future__ import annotations

import errno
from typing import Any


class SaktiError(Exception):
    """Base of every error a user may see. Never raised directly."""

    kode = "GALAT"

    def __init__(self, pesan: str, saran: str | None = None, **detail: Any) -> None:
        super().__init__(pesan)
        self.pesan = pesan
        self.saran = saran
        self.detail = detail

    def __str__(self) -> str:
        return self.pesan


# --- exit 2: usage ---------------------------------------------------------------------------
class UsageError(SaktiError):
    """The command was called without what it needs and cannot ask for it (no terminal)."""

    kode = "PEMAKAIAN"


# --- exit 3: bad input -----------------------------------------------------------------------
class InputError(SaktiError):
    """The user's data or files are wrong: fix the input and try again."""

    kode = "INPUT_TIDAK_VALID"


class DataInvalid(InputError):
    """Application data failed its form check; ``detail['masalah']`` lists each field."""

    kode = "DATA_TIDAK_VALID"


class NotFound(InputError):
    """An unknown registration number, service code, letter number or file."""

    kode = "TIDAK_DITEMUKAN"


class FileUnreadable(InputError):
    """A file the user named is missing, unreadable or not of the expected kind."""

    kode = "BERKAS_TIDAK_TERBACA"


class BackupInvalid(FileUnreadable):
    """The archive is not a usable sakti backup: unreadable, truncated, or not matching its manifest."""

    kode = "CADANGAN_RUSAK"


# --- exit 4: environment or configuration ------------------------------------------------------
class ConfigError(SaktiError):
    """sakti.toml, an SOP file or a template is wrong."""

    kode = "KONFIGURASI"


class WorkspaceNotFound(ConfigError):
    kode = "KANTOR_TIDAK_DITEMUKAN"


class EnvironmentProblem(SaktiError):
    """Something outside our files: LibreOffice missing, no terminal for a passphrase."""

    kode = "LINGKUNGAN"


class MachineProblem(EnvironmentProblem):
    """The computer refused a file operation: disk full, read-only or no permission (not a bug)."""

    kode = "MESIN"


class MailProblem(EnvironmentProblem):
    """The office's mail server cannot take the letter: unreachable, certificate not trusted, login refused.
    ``detail['sebab']`` says which, for scripts."""

    kode = "SUREL"


class ServiceUnreachable(EnvironmentProblem):
    """A configured outside service (TSA, CRL/OCSP source, remote signing) cannot be reached or gave no
    usable answer. Issuing then queues the letter (MENUNGGU_TTD) instead of closing its number."""

    kode = "LAYANAN_TIDAK_TERJANGKAU"


class SigningKeyError(SaktiError):
    """The signing key cannot be used: unreadable, wrong passphrase, certificate expired."""

    kode = "KUNCI_TTE"


class RegisterCorrupt(SaktiError):
    """A register file does not load or is from a newer version of sakti."""

    kode = "REGISTER_RUSAK"


REGISTER_ADVICE = "Jalankan 'sakti register periksa'; bila register rusak, pulihkan dari cadangan ('sakti pulihkan')."


# --- exit 5: state conflict ------------------------------------------------------------------
class StateConflict(SaktiError):
    """The action does not fit the current state (wrong status, already issued)."""

    kode = "STATUS_TIDAK_SESUAI"


class RegisterBusy(StateConflict):
    """Another process held the register lock for too long."""

    kode = "REGISTER_SIBUK"


# --- errors of the machine: recognised by errno wherever they surface -----------------------------
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


_OS_REASONS = {
    errno.ENOENT: "tidak ada", errno.EACCES: "tidak ada izin", errno.EPERM: "tidak ada izin",
    errno.EISDIR: "berupa folder, bukan berkas", errno.ENOTDIR: "bagian jalurnya bukan folder",
    errno.ELOOP: "tautan simbolik berputar", errno.ENAMETOOLONG: "namanya terlalu panjang",
    errno.EEXIST: "sudah ada", errno.ENOSPC: "disk penuh", errno.EDQUOT: "kuota disk habis",
    errno.EROFS: "sistem berkas hanya-baca", errno.EIO: "galat baca/tulis disk", errno.EBUSY: "sedang dipakai",
    errno.ENXIO: "perangkatnya tidak ada", errno.ETXTBSY: "sedang dipakai",
}


def error_record(exc: SaktiError) -> dict[str, Any]:
    """An error as one item of a command's result (a letter that failed among others): the same keys as the
    command's own error object, ``detail`` (e.g. ``kode_temuan`` of a BSrE fault) included when there is one;
    the CLI fills an empty ``saran`` from its table."""
    record: dict[str, Any] = {"kode": exc.kode, "pesan": exc.pesan, "saran": exc.saran}
    if exc.detail:
        record["detail"] = exc.detail
    return record


def library_text(exc: BaseException) -> str:
    """A library's own (English) account of an error, kept as ``detail.pustaka``, never as the message."""
    return f"{type(exc).__name__}: {exc}"


def os_reason(exc: BaseException) -> str:
    """Why the computer refused a file operation, in Indonesian (the OS's English ``strerror`` goes in
    ``detail``); a UnicodeDecodeError is a file that is not UTF-8 text, ``Path.resolve``'s RuntimeError a
    symlink loop."""
    if isinstance(exc, UnicodeDecodeError):
        return f"bukan teks UTF-8 (byte {exc.start})"
    if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop from "):  # Path.resolve(), < 3.13
        return _OS_REASONS[errno.ELOOP]
    code = getattr(exc, "errno", None)
    return _OS_REASONS.get(code or 0, f"ditolak sistem ({errno.errorcode.get(code or 0, 'galat')})")


def machine_problem(exc: BaseException, path: object = None) -> MachineProblem | None:
    """The staff-facing form of an OSError that says the disk is full or a folder is not writable;
    None for any other error (those stay bugs or are handled where they happen)."""
    if not isinstance(exc, OSError) or exc.errno not in (*DISK_FULL, *READ_ONLY):
        return None
    if exc.errno in DISK_FULL:  # a copy names its source first, its target second: the target is full
        where = str(path or exc.filename2 or exc.filename or "folder kantor")
        what = "kuota disk habis" if exc.errno == errno.EDQUOT else "disk penuh"
        return MachineProblem(f"Tidak dapat menulis {where}: {what}.",
                              saran="Kosongkan ruang disk (hapus berkas yang tidak perlu, pindahkan cadangan lama) "
                                    "lalu ulangi; register tidak diubah oleh langkah yang gagal.",
                              berkas=where, errno=errno.errorcode.get(exc.errno or 0, "?"), pustaka=exc.strerror)
    where = str(path or exc.filename or "folder kantor")
    what = "sistem berkas hanya-baca" if exc.errno == errno.EROFS else "tidak ada izin"
    return MachineProblem(f"Tidak dapat mengubah {where}: {what}.",
                          saran="Periksa izin folder kantor (pemilik dan chmod) atau apakah disknya dipasang "
                                "hanya-baca; jalankan sakti sebagai pengguna pemilik kantor.",
                          berkas=where, errno=errno.errorcode.get(exc.errno or 0, "?"), pustaka=exc.strerror)
