"""Fill a DOCX letter template (docxtpl) with a letter's context.

The context follows docs/KONTRAK.md; this module adds the two images ``qr`` and ``logo``.

Safety of the template engine: templates are edited by office staff, so they are rendered in a
jinja2 ``ImmutableSandboxedEnvironment`` without a loader (``{% include %}``, ``{% import %}`` and
``{% extends %}`` cannot reach the filesystem; there is no network access in jinja2 at all), with
``StrictUndefined`` (a placeholder missing from the context is an error, never an empty string) and
autoescaping (values such as ``Siti & <Anak> "Ayu"`` are printed literally and cannot inject XML).
A template that refers to external resources (linked pictures, attached templates,
INCLUDEPICTURE/INCLUDETEXT/LINK/DDE fields), which LibreOffice might fetch while making the PDF, is
rejected.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sakti_cli.errors import ConfigError, EnvironmentProblem

QR_LEBAR_MM = 25
LOGO_LEBAR_MM = 22
_QR_BORDER = 2  # modules; the white page around the image adds to the quiet zone
_QR_DPI_MAKS = 300

_SARAN_TEMPLAT = (
    "Placeholder yang tersedia dijelaskan di docs/KONTRAK.md; templat bawaan dapat dibuat ulang "
    "dengan scripts/buat_templat.py."
)

# Characters that are illegal in XML 1.0 (tab, newline and CR are allowed; docxtpl turns \t, \n,
# \a and \f into tabs, line breaks, paragraphs and page breaks, so those are kept).
_KARAKTER_TERLARANG = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff]")

# Field codes that make Word/LibreOffice read another file or URL.
_FIELD_LUAR = re.compile(
    r"(?:<w:instrText[^>]*>|w:instr=\")\s*(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)\b",
    re.IGNORECASE,
)
_REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


# --------------------------------------------------------------------------------------------
# Context with placeholder paths, so a missing key is reported as "surat.nomor", not as
# "'dict object' has no attribute 'nomor'".
# --------------------------------------------------------------------------------------------


class _DictJalur(dict[str, Any]):
    """A dict that knows its placeholder path (e.g. ``"data"`` or ``"data.anggota[0]"``)."""

    __slots__ = ("_sakti_jalur",)

    def __init__(self, isi: Mapping[str, Any], jalur: str) -> None:
        super().__init__(isi)
        self._sakti_jalur = jalur


def _bungkus(nilai: Any, jalur: str) -> Any:
    if isinstance(nilai, str):
        return _KARAKTER_TERLARANG.sub("", nilai)
    if isinstance(nilai, Mapping):
        return _DictJalur({str(k): _bungkus(v, f"{jalur}.{k}") for k, v in nilai.items()}, jalur)
    if isinstance(nilai, list | tuple):
        return [_bungkus(v, f"{jalur}[{i}]") for i, v in enumerate(nilai)]
    return nilai


@functools.cache
def _kelas_undefined() -> tuple[type, type[Exception]]:
    """(Undefined class, exception class); built lazily so jinja2 is imported only when needed."""
    from jinja2 import StrictUndefined
    from jinja2.exceptions import UndefinedError
    from jinja2.utils import missing

    class PlaceholderHilang(UndefinedError):
        """The message is the placeholder path, then a newline and jinja's hint if there is one
        (the sandbox's "access to attribute ... is unsafe")."""

    class UndefinedBerjalur(StrictUndefined):
        __slots__ = ()

        def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                     exc: type[Exception] = PlaceholderHilang) -> None:  # fmt: skip
            super().__init__(hint, obj, name, PlaceholderHilang)

        @property
        def _undefined_message(self) -> str:
            obj, nama = self._undefined_obj, self._undefined_name
            if obj is missing:
                jalur = str(nama)
            else:
                dasar = getattr(obj, "_sakti_jalur", None) or type(obj).__name__
                jalur = f"{dasar}.{nama}" if isinstance(nama, str) else f"{dasar}[{nama!r}]"
            return f"{jalur}\n{self._undefined_hint}" if self._undefined_hint else jalur

    return UndefinedBerjalur, PlaceholderHilang


def _buat_env() -> Any:
    """A fresh sandboxed jinja2 environment: no loader, strict undefined, autoescape on."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    undefined, _ = _kelas_undefined()
    return ImmutableSandboxedEnvironment(
        loader=None,
        undefined=undefined,
        autoescape=True,
        cache_size=0,
        auto_reload=False,
    )


# --------------------------------------------------------------------------------------------
# Template loading and checks
# --------------------------------------------------------------------------------------------


def _buka_templat(template: Path) -> Any:
    """Open ``template`` as a DocxTemplate with its document loaded; ConfigError naming the file."""
    if not template.is_file():
        raise ConfigError(
            f"Templat surat tidak ditemukan: {template}",
            saran="Periksa nama berkas templat di berkas SOP layanan dan folder templat/.",
            templat=str(template),
        )
    try:
        with zipfile.ZipFile(template) as z:
            if "word/document.xml" not in z.namelist():
                raise zipfile.BadZipFile("word/document.xml tidak ada")
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConfigError(
            f"Templat surat {template} bukan berkas DOCX yang sah ({exc}).",
            saran="Simpan ulang templat dari Word/LibreOffice sebagai .docx, atau buat ulang dengan "
            "scripts/buat_templat.py.",
            templat=str(template),
        ) from exc

    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template))
    try:
        tpl.init_docx()
    except Exception as exc:  # python-docx/lxml raise many kinds for a damaged package
        raise ConfigError(
            f"Templat surat {template} rusak dan tidak dapat dibuka ({type(exc).__name__}: {exc}).",
            saran="Simpan ulang templat dari Word/LibreOffice sebagai .docx, atau buat ulang dengan "
            "scripts/buat_templat.py.",
            templat=str(template),
        ) from exc
    return tpl


def _sumber_xml(tpl: Any) -> list[tuple[str, str]]:
    """(part name, docxtpl-patched XML) of the body, headers and footers: what gets rendered."""
    sumber = [("isi dokumen", tpl.patch_xml(tpl.get_xml()))]
    for uri, nama in ((tpl.HEADER_URI, "kepala halaman"), (tpl.FOOTER_URI, "kaki halaman")):
        for _rel, part in tpl.get_headers_footers(uri):
            sumber.append((nama, tpl.patch_xml(tpl.get_part_xml(part))))
    return sumber


def _teks_sekitar(xml: str, baris: int | None) -> str:
    """Visible text of the paragraphs around ``baris`` (one paragraph per line, as docxtpl does)."""
    if not baris:
        return ""
    potongan = xml.splitlines()[max(baris - 2, 0) : baris + 1]
    teks = " ".join(re.sub(r"<[^>]+>", "", p) for p in potongan)
    teks = " ".join(teks.split())
    return teks[:160]


def _periksa_sintaks(tpl: Any, env: Any, template: Path) -> list[tuple[str, str]]:
    from jinja2 import nodes
    from jinja2.exceptions import TemplateSyntaxError

    sumber = _sumber_xml(tpl)
    for nama, xml in sumber:
        per_paragraf = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        try:
            ast = env.parse(per_paragraf)
        except TemplateSyntaxError as exc:
            sekitar = _teks_sekitar(per_paragraf, exc.lineno)
            raise ConfigError(
                f"Templat {template.name}: penulisan placeholder salah di {nama} ({exc.message})"
                + (f", di sekitar teks: «{sekitar}»" if sekitar else "")
                + ".",
                saran="Perbaiki tanda {{ }} / {% %} di templat; ketik placeholder sekaligus tanpa "
                "mengubah format di tengahnya. " + _SARAN_TEMPLAT,
                templat=str(template),
            ) from exc
        rujukan = ast.find((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))
        if rujukan is not None:
            tag = {"Include": "include", "Import": "import", "FromImport": "from", "Extends": "extends"}
            raise ConfigError(
                f"Templat {template.name} memakai {{% {tag[type(rujukan).__name__]} %}} di {nama}; "
                "templat tidak boleh memuat berkas lain.",
                saran="Tulis seluruh isi surat di templat itu sendiri. " + _SARAN_TEMPLAT,
                templat=str(template),
            )
    return sumber


def _periksa_sumber_luar(tpl: Any, sumber: list[tuple[str, str]], template: Path) -> None:
    luar: list[str] = []
    for part in tpl.docx.part.package.iter_parts():
        for rel in part.rels.values():
            if rel.is_external and rel.reltype != _REL_HYPERLINK:
                luar.append(f"{rel.reltype.rsplit('/', 1)[-1]} -> {rel.target_ref}")
    for _nama, xml in sumber:
        luar += [f"field {m.group(1).upper()}" for m in _FIELD_LUAR.finditer(xml)]
    if luar:
        raise ConfigError(
            f"Templat {template.name} merujuk berkas atau alamat di luar templat: {', '.join(luar)}.",
            saran="Sisipkan gambar langsung ke dalam templat (bukan sebagai tautan) dan hapus field "
            "INCLUDE/LINK/DDE.",
            templat=str(template),
            rujukan_luar=luar,
        )


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def _qr_png(payload: str) -> bytes:
    import segno

    if not payload:
        raise ConfigError("Isi kode QR (alamat verifikasi surat) kosong.", saran="Periksa url_verifikasi.")
    try:
        qr = segno.make(payload, error="m", boost_error=False, micro=False)
    except Exception as exc:  # segno.DataOverflowError and friends
        raise ConfigError(
            f"Kode QR tidak dapat dibuat ({exc}).",
            saran="Alamat verifikasi terlalu panjang; pendekkan url_verifikasi di sakti.toml.",
        ) from exc
    # An integer number of pixels per module at no more than 300 dpi: LibreOffice's PDF export then
    # keeps the image as is (it downsamples anything above 300 dpi, which blurs module edges).
    modul = qr.symbol_size(scale=1, border=_QR_BORDER)[0]
    skala = max(3, math.floor(_QR_DPI_MAKS * QR_LEBAR_MM / 25.4 / modul))
    dpi = math.floor(modul * skala / (QR_LEBAR_MM / 25.4))
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=skala, border=_QR_BORDER, dark="black", light="white", dpi=dpi)
    return buf.getvalue()


def _periksa_logo(logo: Path) -> None:
    if not logo.is_file():
        raise ConfigError(
            f"Berkas logo tidak ditemukan: {logo}",
            saran="Periksa pengaturan logo di sakti.toml atau letakkan logo.png di folder templat/.",
            logo=str(logo),
        )
    from docx.image.image import Image

    try:
        Image.from_file(str(logo))
    except Exception as exc:
        raise ConfigError(
            f"Berkas logo {logo} bukan gambar yang dapat dipakai ({type(exc).__name__}).",
            saran="Gunakan gambar PNG atau JPEG.",
            logo=str(logo),
        ) from exc


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def render_docx(
    template: Path,
    context: Mapping[str, Any],
    out: Path,
    *,
    qr_payload: str,
    logo: Path | None,
) -> None:
    """Render ``template`` with ``context`` (docs/KONTRAK.md) into ``out``, written atomically.

    Adds ``qr`` (a 25 mm QR code of ``qr_payload``, error correction M) and ``logo`` (22 mm wide, or
    ``""`` when ``logo`` is None) to a copy of ``context``. Raises ConfigError naming the template
    and the placeholder when the template is missing, damaged or refers to something not in the
    context; EnvironmentProblem when ``out`` cannot be written.
    """
    template = Path(template)
    out = Path(out)
    tpl = _buka_templat(template)
    env = _buat_env()
    sumber = _periksa_sintaks(tpl, env, template)
    _periksa_sumber_luar(tpl, sumber, template)
    if logo is not None:
        _periksa_logo(Path(logo))

    from docx.shared import Mm
    from docxtpl import InlineImage
    from jinja2.exceptions import SecurityError, TemplateError

    _, PlaceholderHilang = _kelas_undefined()

    isi: dict[str, Any] = {str(k): _bungkus(v, str(k)) for k, v in context.items()}
    isi["qr"] = InlineImage(tpl, io.BytesIO(_qr_png(qr_payload)), width=Mm(QR_LEBAR_MM))
    isi["logo"] = InlineImage(tpl, str(logo), width=Mm(LOGO_LEBAR_MM)) if logo is not None else ""

    try:
        tpl.render(isi, jinja_env=env, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
    except PlaceholderHilang as exc:
        jalur, _, petunjuk = str(exc).partition("\n")
        if petunjuk:
            raise ConfigError(
                f"Templat {template.name} memakai atribut yang tidak diizinkan: {{{{ {jalur} }}}}.",
                saran="Templat hanya boleh memakai placeholder data surat. " + _SARAN_TEMPLAT,
                templat=str(template),
                placeholder=jalur,
            ) from exc
        raise ConfigError(
            f"Templat {template.name}: placeholder {{{{ {jalur} }}}} tidak ada dalam data surat.",
            saran="Periksa ejaan placeholder di templat atau lengkapi data/konfigurasi yang mengisinya. "
            + _SARAN_TEMPLAT,
            templat=str(template),
            placeholder=jalur,
        ) from exc
    except SecurityError as exc:
        raise ConfigError(
            f"Templat {template.name} memakai ekspresi yang tidak diizinkan ({exc}).",
            saran="Templat hanya boleh memakai placeholder, {% if %} dan {% for %}. " + _SARAN_TEMPLAT,
            templat=str(template),
        ) from exc
    except (TemplateError, TypeError, ValueError, KeyError, SyntaxError) as exc:
        # TypeError: e.g. {% include %} without a loader; SyntaxError: lxml rejects the rendered XML
        # (a {% if %} that opens in one paragraph and closes in the middle of another).
        raise ConfigError(
            f"Templat {template.name} tidak dapat diisi ({type(exc).__name__}: {exc}).",
            saran="Pastikan setiap {% if %}/{% for %} ditutup di tempat yang sesuai (pakai {%p ... %} "
            "untuk satu paragraf penuh). " + _SARAN_TEMPLAT,
            templat=str(template),
        ) from exc

    _tulis_atomik(out, buf.getvalue())


def template_placeholders(template: Path) -> set[str]:
    """Top-level variables the template uses (``{"kantor", "surat", "data", "ttd", "logo", ...}``).

    Uses docxtpl's own analysis of body, headers and footers; names bound inside the template
    (loop variables, ``{% set %}``) are not included. ConfigError when the template is missing,
    damaged, or has a syntax error.
    """
    template = Path(template)
    tpl = _buka_templat(template)
    env = _buat_env()
    _periksa_sintaks(tpl, env, template)
    try:
        return set(tpl.get_undeclared_template_variables(jinja_env=env))
    except Exception as exc:  # the same XML parsed above; anything here is a damaged package
        raise ConfigError(
            f"Templat {template.name} tidak dapat dianalisis ({type(exc).__name__}: {exc}).",
            saran=_SARAN_TEMPLAT,
            templat=str(template),
        ) from exc


def _tulis_atomik(out: Path, data: bytes) -> None:
    tmp: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
        tmp = None
    except OSError as exc:
        raise EnvironmentProblem(
            f"Tidak dapat menulis berkas surat {out} ({exc.strerror or exc}).",
            saran="Periksa izin tulis dan ruang kosong pada folder tujuan.",
            berkas=str(out),
        ) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
