"""The one table that turns core exceptions into exit codes (documented in README)."""

from __future__ import annotations

from sakti_cli.core.errors import (
    REGISTER_ADVICE,
    ConfigError,
    EnvironmentProblem,
    InputError,
    RegisterCorrupt,
    SaktiError,
    SigningKeyError,
    StateConflict,
    UsageError,
)

OK, NEGATIVE, USAGE, BAD_INPUT, ENVIRONMENT, CONFLICT = 0, 1, 2, 3, 4, 5

EXIT_CODES: list[tuple[type[SaktiError], int]] = [
    (UsageError, USAGE),
    (InputError, BAD_INPUT),
    (ConfigError, ENVIRONMENT),
    (EnvironmentProblem, ENVIRONMENT),
    (SigningKeyError, ENVIRONMENT),
    (RegisterCorrupt, ENVIRONMENT),
    (StateConflict, CONFLICT),
]


def exit_code_for(exc: SaktiError) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return ENVIRONMENT


# Advice when the raise gave none, most specific first: every error shown or in JSON carries a saran.
FALLBACK_SARAN: list[tuple[type[SaktiError], str]] = [
    (UsageError, "Lihat cara pakainya dengan 'sakti PERINTAH --help'."),
    (InputError, "Periksa berkas, nomor atau isian yang disebut di pesan, perbaiki, lalu ulangi perintahnya."),
    (ConfigError, "Periksa sakti.toml, berkas SOP atau templat yang disebut di pesan; 'sakti kantor periksa' "
                  "dan 'sakti sop periksa' menunjukkan masalahnya."),
    (EnvironmentProblem, "Periksa komputer ini (program yang diperlukan, izin folder, ruang disk), lalu ulangi; "
                         "'sakti kantor periksa' memeriksa kesiapannya."),
    (SigningKeyError, "Periksa kunci, sandi dan sertifikat penandatangan di sakti.toml; 'sakti kantor periksa' "
                      "memeriksanya."),
    (RegisterCorrupt, REGISTER_ADVICE),
    (StateConflict, "Lihat status permohonan atau surat dengan 'sakti status REG', lalu lakukan langkah yang "
                    "sesuai statusnya."),
    (SaktiError, "Baca pesan di atas, perbaiki penyebabnya, lalu ulangi; bila berulang, hubungi pengelola SAKTI."),
]


def _fallback(kind: type[SaktiError]) -> str:
    return next(text for base, text in FALLBACK_SARAN if issubclass(kind, base))


def saran_for(exc: SaktiError) -> str:
    """The raise's own advice, else the generic one for its kind (never empty)."""
    return exc.saran or _fallback(type(exc))


def saran_for_kode(kode: str, saran: str | None = None) -> str:
    """:func:`saran_for` for an error the core already turned into ``{"kode", "pesan", "saran"}``."""
    if saran:
        return saran
    kinds: list[type[SaktiError]] = [SaktiError]
    for kind in kinds:
        if kind.kode == kode:
            return _fallback(kind)
        kinds.extend(kind.__subclasses__())
    return _fallback(SaktiError)


def unexpected(exc: Exception) -> SaktiError:
    """An error no part of sakti expected, said in Indonesian; the library's own text only in ``detail``."""
    from sakti_cli.core.errors import FileUnreadable, library_text, os_reason

    if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop from "):  # Path.resolve(), < 3.13
        link = str(exc).removeprefix("Symlink loop from ").strip("'")
        return FileUnreadable(f"Berkas {link} tidak dapat dipakai: tautan simbolik berputar.",
                              saran="Perbaiki atau hapus tautan simbolik itu, lalu sebut berkas aslinya.",
                              berkas=link, pustaka=library_text(exc))
    if isinstance(exc, OSError | UnicodeDecodeError):
        where = getattr(exc, "filename", None)
        return EnvironmentProblem(f"Berkas {where or '(tanpa nama)'} tidak dapat dipakai: {os_reason(exc)}.",
                                  saran="Periksa letak dan izin berkas itu; bila berulang, jalankan "
                                        "'sakti --debug ...' dan laporkan keluarannya.",
                                  pustaka=library_text(exc), **({"berkas": str(where)} if where else {}))
    return SaktiError(f"Kesalahan tak terduga ({type(exc).__name__}).",
                      saran="Ulangi dengan 'sakti --debug ...' dan laporkan keluarannya.",
                      pustaka=library_text(exc))
