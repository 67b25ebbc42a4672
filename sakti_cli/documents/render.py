"""Fill a DOCX letter template (docxtpl) with a letter's context.

The context follows docs/KONTRAK.md; this module adds the two images ``qr`` and ``logo``.

Safety of the template engine: templates are edited by office staff, so they are rendered in a
jinja2 ``ImmutableSandboxedEnvironment`` without a loader (``{% include %}``, ``{% import %}`` and
``{% extends %}`` cannot reach the filesystem; there is no network access in jinja2 at all), with
``StrictUndefined`` (a placeholder missing from the context is an error, never an empty string) and
autoescaping (values such as ``Siti & <Anak> "Ayu"`` are printed literally and cannot inject XML).
The sandbox is also bounded (:class:`Batas`): loop iterations and calls, the size of any one value
(``'x' * 3000000000`` is refused before it is built), the text made and written by one letter; a
template that exceeds a bound is refused with what it exceeded, in milliseconds, never a hang. The
package itself is bounded before docxtpl opens it (uncompressed size, number of parts: a zip bomb).
A template that refers to external resources (linked pictures, attached templates,
INCLUDEPICTURE/INCLUDETEXT/LINK/DDE fields), which LibreOffice might fetch while making the PDF, is
rejected.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import ConfigError, EnvironmentProblem, SaktiError, library_text

QR_LEBAR_MM = 25
LOGO_LEBAR_MM = 22
_QR_BORDER = 2  # modules; the white page around the image adds to the quiet zone
_QR_DPI_MAKS = 300

TEMPLAT_UKURAN_MAKS = 50 * 2**20  # bytes of all parts once unpacked (the shipped ones: about 100 KB)
TEMPLAT_BAGIAN_MAKS = 2000  # parts in the package

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


@dataclass(frozen=True)
class Batas:
    """Bounds of one letter's rendering: far above any real letter (a few hundred steps, some
    kilobytes of text), small enough that a hostile template stops in well under a second."""

    langkah: int = 100_000  # loop iterations + calls (filters, methods, macros)
    nilai: int = 1_000_000  # characters (or items) of one value
    dibuat: int = 50_000_000  # characters made by operators, filters and methods together
    keluaran: int = 20_000_000  # characters written: {{ }} values and the text of loop bodies
    bit: int = 100_000  # bits of one integer


BATAS = Batas()
_URUTAN = (str, bytes, list, tuple)
# %-formatting or str.format with a width or precision (``'%999999999s'``, ``'{:>999999999}'``).
_LEBAR_FORMAT = re.compile(r"%[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


def _panjang(nilai: Any) -> int:
    return len(nilai) if isinstance(nilai, _URUTAN) else 0


_KODE: dict[tuple[Any, ...], Any] = {}
"""Compiled template code of this process (SandboxTerbatas.compile), oldest first."""
_KODE_MAKS = 32


@functools.cache
def _kelas_sandbox() -> tuple[type, type[Exception]]:
    """(bounded sandbox environment class, exception raised when a bound is exceeded); lazily built."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.exceptions import SecurityError
    from jinja2.runtime import LoopContext, markup_join
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class MelampauiBatas(SecurityError):
        """A bound of :class:`Batas` was exceeded; the message says which, in Indonesian."""

    class Pembangkit(CodeGenerator):
        def visit_Concat(self, node: Any, frame: Any) -> None:  # ``a ~ b``: sized before joining
            self.write("environment.sakti_gabung((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

    class SandboxTerbatas(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})
        code_generator_class = Pembangkit

        def __init__(self, batas: Batas = BATAS, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.batas = batas
            self.langkah = self.dibuat = self.keluaran = 0
            self.globals.pop("lipsum", None)  # lipsum(n) writes n paragraphs
            self.finalize = self._tulis
            self.filters = {nama: self._filter(nama, f) for nama, f in self.filters.items()}

        # -- the counters ------------------------------------------------------------------
        def _langkah(self, tambah: int = 1) -> None:
            self.langkah += tambah
            if self.langkah > self.batas.langkah:
                raise MelampauiBatas(f"lebih dari {self.batas.langkah:,} langkah pengulangan dan panggilan "
                                     "({% for %} bersarang atau terlalu banyak)".replace(",", "."))

        def _nilai(self, ukuran: int, apa: str) -> None:
            if ukuran > self.batas.nilai:
                raise MelampauiBatas(f"{apa} menghasilkan nilai {ukuran:,} karakter; batas {self.batas.nilai:,}"
                                     .replace(",", "."))

        def _buat(self, hasil: Any) -> Any:
            self.dibuat += _panjang(hasil)
            if self.dibuat > self.batas.dibuat:
                raise MelampauiBatas(f"teks yang dibuat lebih dari {self.batas.dibuat:,} karakter".replace(",", "."))
            return hasil

        def _keluar(self, ukuran: int) -> None:
            self.keluaran += ukuran
            if self.keluaran > self.batas.keluaran:
                raise MelampauiBatas(f"isi surat lebih dari {self.batas.keluaran:,} karakter".replace(",", "."))

        def _tulis(self, nilai: Any) -> Any:
            self._keluar(len(nilai) if isinstance(nilai, str) else 32)
            return nilai

        # -- loops, ``~``, operators, calls and filters -------------------------------------
        def sakti_ulang(self, iterable: Any, bobot: int) -> Any:
            """Every ``{% for %}`` iterates through here: a step and the loop body's text per item."""
            for item in iterable:
                self._langkah()
                self._keluar(bobot)
                yield item

        def sakti_gabung(self, bagian: tuple[Any, ...]) -> Any:
            self._nilai(sum(len(b) if isinstance(b, str) else 32 for b in bagian), "penggabungan ~")
            return self._buat(markup_join(bagian))

        def compile(self, source: Any, name: Any = None, filename: Any = None, raw: bool = False,
                    defer_init: bool = False) -> Any:
            """Jinja's compile, its code kept per source text and the options that shape the code (docxtpl
            compiles a letter's whole document XML for every render: ~15 ms a letter; the code is the same
            for every letter of a template, and each environment runs it with its own fresh counters)."""
            if raw or name is not None or filename is not None or defer_init or not isinstance(source, str):
                return super().compile(source, name, filename, raw, defer_init)  # type: ignore[call-overload]
            key = (source, self.autoescape, self.undefined, self.finalize is not None, self.trim_blocks,
                   self.lstrip_blocks, self.keep_trailing_newline, self.newline_sequence, self.optimized,
                   tuple(self.extensions), frozenset(self.filters), frozenset(self.tests))
            code = _KODE.get(key)
            if code is None:
                code = super().compile(source)
                while len(_KODE) >= _KODE_MAKS:
                    _KODE.pop(next(iter(_KODE)))  # the oldest
                _KODE[key] = code
            return code

        def _generate(self, source: Any, name: Any, filename: Any, defer_init: bool = False) -> Any:
            for loop in source.find_all(nodes.For):
                bobot = sum(len(d.data) for d in loop.find_all(nodes.TemplateData))
                loop.iter = nodes.Call(nodes.EnvironmentAttribute("sakti_ulang"), [loop.iter, nodes.Const(bobot)],
                                       [], None, None, lineno=loop.lineno)
            return super()._generate(source, name, filename, defer_init)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "*":
                if isinstance(left, _URUTAN) and isinstance(right, int):
                    self._nilai(len(left) * max(right, 0), "perkalian *")
                elif isinstance(right, _URUTAN) and isinstance(left, int):
                    self._nilai(len(right) * max(left, 0), "perkalian *")
                elif isinstance(left, int) and isinstance(right, int) \
                        and left.bit_length() + right.bit_length() > self.batas.bit:
                    raise MelampauiBatas(f"perkalian * menghasilkan angka lebih dari {self.batas.bit:,} bit"
                                         .replace(",", "."))
            elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
                    and right > 0 and left.bit_length() * right > self.batas.bit:
                raise MelampauiBatas(f"pangkat ** menghasilkan angka lebih dari {self.batas.bit:,} bit"
                                     .replace(",", "."))
            elif operator == "+" and isinstance(left, _URUTAN) and isinstance(right, _URUTAN):
                self._nilai(len(left) + len(right), "penjumlahan +")
            elif operator == "%" and isinstance(left, str):
                self._periksa_format(left, "format %")
            return self._buat(super().call_binop(context, operator, left, right))

        def _periksa_format(self, teks: str, apa: str) -> None:
            for cocok in _LEBAR_FORMAT.finditer(teks):
                for angka in cocok.groups():
                    if angka == "*":
                        raise MelampauiBatas(f"{apa} dengan lebar '*' tidak diizinkan")
                    if angka:
                        self._nilai(int(angka), apa)

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            self._langkah()
            for nilai in (*args, *kwargs.values()):
                self._nilai(_panjang(nilai), "argumen panggilan")
            if isinstance(obj, LoopContext) and args:  # ``loop(...)`` of a recursive for
                args = (self.sakti_ulang(args[0], 0), *args[1:])
            target = getattr(obj, "__wrapped__", obj)
            diri = getattr(target, "__self__", None)
            if isinstance(diri, str):
                self._periksa_metode(diri, getattr(target, "__name__", ""), args)
            return self._buat(super().call(context, obj, *args, **kwargs))

        def _periksa_metode(self, teks: str, nama: str, args: tuple[Any, ...]) -> None:
            apa = f"metode .{nama}()"
            angka = args[0] if args and isinstance(args[0], int) else 0
            if nama in ("center", "ljust", "rjust", "zfill"):
                self._nilai(angka, apa)
            elif nama == "expandtabs":
                self._nilai(len(teks) * max(angka, 1), apa)
            elif nama == "replace" and len(args) >= 2:
                self._nilai(_ukuran_ganti(teks, str(args[0]), str(args[1])), apa)
            elif nama in ("format", "format_map"):
                self._periksa_format(teks, apa)
            elif nama == "join" and args:
                self._nilai(_ukuran_gabung(args[0], teks), apa)

        def _filter(self, nama: str, fungsi: Any) -> Any:
            env = self

            @functools.wraps(fungsi)
            def terbatas(*args: Any, **kwargs: Any) -> Any:
                env._langkah()
                env._periksa_filter(nama, list(args[lewati:]), kwargs)
                return env._buat(fungsi(*args, **kwargs))

            lewati = 1 if getattr(fungsi, "jinja_pass_arg", None) is not None else 0  # context/environment

            return terbatas

        def _periksa_filter(self, nama: str, args: list[Any], kwargs: dict[str, Any]) -> None:
            apa = f"filter |{nama}"
            for nilai in (*args[1:], *kwargs.values()):
                if isinstance(nilai, int):
                    self._nilai(abs(nilai), apa)  # widths, lengths, counts
            teks = args[0] if args and isinstance(args[0], str) else ""
            lain = args[1:]
            if nama == "replace" and len(lain) >= 2:
                self._nilai(_ukuran_ganti(teks, str(lain[0]), str(lain[1])), apa)
            elif nama == "indent":
                lebar = lain[0] if lain else kwargs.get("width", 4)
                lebar_teks = len(lebar) if isinstance(lebar, str) else int(lebar)
                self._nilai(len(teks) + (teks.count("\n") + 1) * lebar_teks, apa)
            elif nama == "wordwrap":
                pemisah = kwargs.get("wrapstring") or (lain[2] if len(lain) > 2 else None) or "\n"
                self._nilai(len(teks) * (1 + len(str(pemisah))), apa)
            elif nama == "format":
                self._periksa_format(teks, apa)
            elif nama == "join" and args:
                pemisah = lain[0] if lain else kwargs.get("d", "")
                self._nilai(_ukuran_gabung(args[0], str(pemisah)), apa)
            elif nama == "slice" and lain and isinstance(lain[0], int) and lain[0] > 1000:
                self._nilai(self.batas.nilai + 1, apa)

    return SandboxTerbatas, MelampauiBatas


def _ukuran_ganti(teks: str, lama: str, baru: str) -> int:
    kali = teks.count(lama) if lama else len(teks) + 1
    return len(teks) + kali * max(len(baru) - len(lama), 0)


def _ukuran_gabung(isi: Any, pemisah: str) -> int:
    if not isinstance(isi, list | tuple | str):
        return 0  # a generator: each item is sized where it was made
    return sum(_panjang(x) or 32 for x in isi) + max(len(isi) - 1, 0) * len(pemisah)


def _buat_env(batas: Batas = BATAS) -> Any:
    """A fresh bounded sandbox: no loader, strict undefined, autoescape on, fresh counters."""
    undefined, _ = _kelas_undefined()
    env_class, _ = _kelas_sandbox()
    return env_class(
        batas,
        loader=None,
        undefined=undefined,
        autoescape=True,
        cache_size=0,
        auto_reload=False,
    )


# --------------------------------------------------------------------------------------------
# Template loading and checks
# --------------------------------------------------------------------------------------------


_TEMPLAT_LULUS: set[str] = set()
"""SHA-256 of the template packages whose placeholders and references passed their checks in this process:
they depend on the package's bytes alone, and a batch renders the same template for every letter."""


def _buka_templat(template: Path) -> Any:
    """Open ``template`` as a DocxTemplate with its document loaded; ConfigError naming the file."""
    return _buka_templat_sidik(template)[0]


_DIBUKA: dict[str, tuple[str, str, list[Any]]] = {}
"""Templates parsed ahead (:func:`buka_di_muka`): path -> (the file's stat key then, SHA-256, parsed copies)."""


def buka_di_muka(templates: Iterable[Path], salinan: int = 2) -> int:
    """Parse each template ``salinan`` times ahead and check its placeholders and references once, so that
    later renders in this process (or in its forked children) parse none: the fork server of ``sakti latar``
    does this before it forks, and ``terbitkan`` renders twice (its trial, then the letter). A copy is used
    only while the file is as it was then (size, times, inode); each copy once (a render changes it). A
    template that fails is left out (its render says why). Returns how many templates are held."""
    from sakti_cli.core.storage import stat_key

    for template in templates:
        _DIBUKA.pop(str(template), None)
        try:
            before = stat_key(template.stat())
            opened = [_buka_templat_sidik(template) for _ in range(salinan)]
            if len({sidik for _, sidik in opened}) != 1 or stat_key(template.stat()) != before:
                continue  # changed while it was read
            sidik = opened[0][1]
            if sidik not in _TEMPLAT_LULUS:
                sumber = _periksa_sintaks(opened[0][0], _buat_env(), template)
                _periksa_sumber_luar(opened[0][0], sumber, template)
                _TEMPLAT_LULUS.add(sidik)
        except (SaktiError, OSError):
            continue
        _DIBUKA[str(template)] = (before, sidik, [tpl for tpl, _ in opened])
    return len(_DIBUKA)


def _dibuka_di_muka(template: Path) -> tuple[Any, str] | None:
    """A copy :func:`buka_di_muka` parsed, when one is left and the file is still as it was."""
    from sakti_cli.core.storage import stat_key

    held = _DIBUKA.get(str(template))
    if held is None or not held[2]:
        return None
    try:
        if stat_key(template.stat()) != held[0]:
            return None
    except OSError:
        return None
    return held[2].pop(), held[1]


def _buka_templat_sidik(template: Path) -> tuple[Any, str]:
    """:func:`_buka_templat` and the SHA-256 of the very bytes it opened (read once: no other version of
    the file can be checked in their place)."""
    ahead = _dibuka_di_muka(template)
    if ahead is not None:
        return ahead
    if not template.is_file():
        raise ConfigError(
            f"Templat surat tidak ditemukan: {template}",
            saran="Periksa nama berkas templat di berkas SOP layanan dan folder templat/.",
            templat=str(template),
        )
    try:
        data = template.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise zipfile.BadZipFile("word/document.xml tidak ada")
            _periksa_ukuran_paket(template, z.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConfigError(
            f"Templat surat {template} bukan berkas DOCX yang sah.", pustaka=library_text(exc),
            saran="Simpan ulang templat dari Word/LibreOffice sebagai .docx, atau buat ulang dengan "
            "scripts/buat_templat.py.",
            templat=str(template),
        ) from exc

    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(data))
    try:
        tpl.init_docx()
    except Exception as exc:  # python-docx/lxml raise many kinds for a damaged package
        raise ConfigError(
            f"Templat surat {template} rusak dan tidak dapat dibuka.", pustaka=library_text(exc),
            saran="Simpan ulang templat dari Word/LibreOffice sebagai .docx, atau buat ulang dengan "
            "scripts/buat_templat.py.",
            templat=str(template),
        ) from exc
    return tpl, hashlib.sha256(data).hexdigest()


def _periksa_ukuran_paket(template: Path, isi: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb before anything is unpacked. The sizes are the ones the package declares;
    zipfile never returns more than the declared size of a part, so they bound what is read."""
    ukuran = sum(info.file_size for info in isi)
    if len(isi) > TEMPLAT_BAGIAN_MAKS or ukuran > TEMPLAT_UKURAN_MAKS:
        raise ConfigError(
            f"Templat surat {template} terlalu besar setelah dibuka: {len(isi)} bagian, "
            f"{ukuran / 2**20:,.0f} MB (batas {TEMPLAT_BAGIAN_MAKS} bagian, "
            f"{TEMPLAT_UKURAN_MAKS // 2**20} MB); templat ditolak.",
            saran="Templat surat biasanya di bawah 1 MB: kecilkan gambar di dalamnya, atau buat ulang "
            "dengan scripts/buat_templat.py.",
            templat=str(template),
            ditolak="ukuran paket DOCX",
        )


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
        with contextlib.suppress(Exception):  # compiled once here (SandboxTerbatas.compile); a failure: at render
            env.compile(per_paragraf)
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
            "Kode QR tidak dapat dibuat.", pustaka=library_text(exc),
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


def _logo_tanpa_transparansi(logo: Path) -> io.BytesIO | str:
    """The logo with any transparency flattened onto white and CMYK made RGB (a letter carries no transparency
    and only sRGB colour, PDF/A or not); any other logo as it is. Flattened once per version of the file (a
    batch places the same logo on every letter)."""
    try:
        stat = logo.stat()
    except OSError:
        return str(logo)
    flat = _flattened(str(logo), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return str(logo) if flat is None else io.BytesIO(flat)


@functools.lru_cache(maxsize=8)
def _flattened(logo: str, _size: int, _mtime_ns: int, _inode: int) -> bytes | None:
    """The flattened PNG of :func:`_logo_tanpa_transparansi`, None when the logo needs none (the file's size,
    time and inode are the cache's key)."""
    from PIL import Image

    try:
        with Image.open(logo) as gambar:
            if gambar.mode not in ("RGBA", "LA", "PA", "CMYK") and "transparency" not in gambar.info:
                return None
            rgba = gambar.convert("RGBA")
            dpi = gambar.info.get("dpi")
    except (OSError, ValueError, Image.DecompressionBombError):  # python-docx accepted it: placed as it is
        return None
    latar = Image.new("RGB", rgba.size, (255, 255, 255))
    latar.paste(rgba, mask=rgba.getchannel("A"))
    buf = io.BytesIO()
    latar.save(buf, format="PNG", **({"dpi": dpi} if dpi else {}))
    return buf.getvalue()


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
    kertas: str = "A4",
) -> None:
    """Render ``template`` with ``context`` (docs/KONTRAK.md) into ``out``, written atomically.

    Adds ``qr`` (a 25 mm QR code of ``qr_payload``, error correction M) and ``logo`` (22 mm wide, or
    ``""`` when ``logo`` is None) to a copy of ``context``. Raises ConfigError naming the template
    and the placeholder when the template is missing, damaged or refers to something not in the
    context; a template refused outright (a bound of :data:`BATAS` exceeded, an attribute or call the
    sandbox forbids, a zip bomb) has ``detail["ditolak"]`` saying why;
    EnvironmentProblem when ``out`` cannot be written.

    ``kertas`` (``[surat].kertas``, A4 or F4) sets every section's page size, margins unchanged, so
    one office prints every service on one paper whatever size the template was drawn on. A context
    whose ``tte.contoh`` is true (a demo certificate) gets a red :data:`TANDA_CONTOH` line at the top
    of the first page and in every footer, whatever the template prints.
    """
    _tulis_atomik(Path(out), render_bytes(template, context, qr_payload=qr_payload, logo=logo, kertas=kertas))
    collect_young()


def try_render(template: Path, context: Mapping[str, Any], *, qr_payload: str, logo: Path | None,
               kertas: str = "A4") -> None:
    """:func:`render_docx` without its file: every placeholder filled and every bound kept, the package not
    assembled. ``terbitkan``'s trial with the applicant's data before a number is reserved."""
    render_bytes(template, context, qr_payload=qr_payload, logo=logo, kertas=kertas, simpan=False)
    collect_young()


def collect_young() -> None:
    """Free a finished letter's object graph now. python-docx's parts and package refer to each other, so a
    rendered document is cyclic garbage, and it holds lxml trees in C memory the collector does not count:
    left to the collector's own rhythm it is promoted to the old generation and a batch grows ~0.3 MB a
    letter. Collecting the young generations right after each letter keeps a batch flat (a few ms; a full
    collection would cost tens)."""
    import gc

    gc.collect(1)


TANDA_CONTOH = "CONTOH - TIDAK BERLAKU"
"""The mark of a letter signed with a demo certificate (sakti_cli.signatures.pki): never valid for a citizen."""


def _atur_kertas(document: Any, kertas: str) -> None:
    from docx.shared import Cm

    from sakti_cli.office.workspace import PAPER_SIZES_CM

    width, height = PAPER_SIZES_CM[kertas]
    for section in document.sections:
        section.page_width, section.page_height = Cm(width), Cm(height)


def _tandai_contoh(document: Any) -> None:
    """Red, bold :data:`TANDA_CONTOH` at the top of the body and on top of every footer part.

    The footers are reached through the document's relationships: docxtpl replaces the rendered
    header/footer parts there, and python-docx's ``section.footer`` would still see the template's."""
    import copy

    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.shared import Pt, RGBColor

    mark = document.add_paragraph()  # appended, then moved to the very start (the body may open with a table)
    mark.alignment = 1  # centred
    run = mark.add_run(f"{TANDA_CONTOH} (ditandatangani dengan sertifikat demo)")
    run.bold = True
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    document.element.body.insert(0, mark._p)
    for rel in document.part.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.FOOTER and not rel.is_external:
            rel.target_part.element.insert(0, copy.deepcopy(mark._p))


def render_bytes(template: Path, context: Mapping[str, Any], *, qr_payload: str, logo: Path | None,
                 kertas: str = "A4", simpan: bool = True) -> bytes:
    """The rendered DOCX of :func:`render_docx`, in memory (the bounded trial keeps no file); ``simpan``
    False: rendered but not assembled into a package (``b""``; :func:`try_render`)."""
    template = Path(template)
    tpl, sidik = _buka_templat_sidik(template)
    env = _buat_env()
    if sidik not in _TEMPLAT_LULUS:  # once per version of the template per process
        sumber = _periksa_sintaks(tpl, env, template)
        _periksa_sumber_luar(tpl, sumber, template)
        _TEMPLAT_LULUS.add(sidik)
    if logo is not None:
        _periksa_logo(Path(logo))

    from docx.shared import Mm
    from docxtpl import InlineImage
    from jinja2.exceptions import SecurityError, TemplateError

    _, PlaceholderHilang = _kelas_undefined()
    _, MelampauiBatas = _kelas_sandbox()

    isi: dict[str, Any] = {str(k): _bungkus(v, str(k)) for k, v in context.items()}
    isi["qr"] = InlineImage(tpl, io.BytesIO(_qr_png(qr_payload)), width=Mm(QR_LEBAR_MM))
    isi["logo"] = InlineImage(tpl, _logo_tanpa_transparansi(Path(logo)), width=Mm(LOGO_LEBAR_MM)) \
        if logo is not None else ""

    try:
        tpl.render(isi, jinja_env=env, autoescape=True)
        _atur_kertas(tpl.docx, kertas)
        if (context.get("tte") or {}).get("contoh"):
            _tandai_contoh(tpl.docx)
        buf = io.BytesIO()
        if simpan:
            tpl.save(buf)
    except PlaceholderHilang as exc:
        jalur, _, petunjuk = str(exc).partition("\n")
        if petunjuk:
            raise ConfigError(
                f"Templat {template.name} memakai atribut yang tidak diizinkan: {{{{ {jalur} }}}}; templat ditolak.",
                saran="Templat hanya boleh memakai placeholder data surat. " + _SARAN_TEMPLAT,
                templat=str(template),
                placeholder=jalur,
                ditolak=f"atribut terlarang {jalur}",
            ) from exc
        raise ConfigError(
            f"Templat {template.name}: placeholder {{{{ {jalur} }}}} tidak ada dalam data surat.",
            saran="Periksa ejaan placeholder di templat atau lengkapi data/konfigurasi yang mengisinya. "
            + _SARAN_TEMPLAT,
            templat=str(template),
            placeholder=jalur,
        ) from exc
    except MelampauiBatas as exc:
        raise over_limit(template, str(exc)) from None
    except RecursionError:
        raise over_limit(template, "makro atau {% for ... recursive %} memanggil dirinya terlalu dalam") from None
    except SecurityError as exc:
        raise ConfigError(
            f"Templat {template.name} memakai ekspresi yang tidak diizinkan; templat ditolak.",
            pustaka=library_text(exc),
            saran="Templat hanya boleh memakai placeholder, {% if %} dan {% for %}. " + _SARAN_TEMPLAT,
            templat=str(template),
            ditolak="ekspresi terlarang",
        ) from exc
    except (TemplateError, TypeError, ValueError, KeyError, SyntaxError) as exc:
        # TypeError: e.g. {% include %} without a loader; SyntaxError: lxml rejects the rendered XML
        # (a {% if %} that opens in one paragraph and closes in the middle of another).
        raise ConfigError(
            f"Templat {template.name} tidak dapat diisi.", pustaka=library_text(exc),
            saran="Pastikan setiap {% if %}/{% for %} ditutup di tempat yang sesuai (pakai {%p ... %} "
            "untuk satu paragraf penuh). " + _SARAN_TEMPLAT,
            templat=str(template),
        ) from exc
    return buf.getvalue()


def over_limit(template: Path, what: str) -> ConfigError:
    """The refusal of a template that exceeded a bound (``detail["ditolak"]``: what it exceeded)."""
    return ConfigError(
        f"Templat {template.name} melampaui batas pengisian surat: {what}; templat ditolak.",
        saran="Periksa {% for %} bersarang, perkalian teks ('x' * N) dan filter yang membesarkan teks di "
        "templat itu; surat biasa jauh di bawah batas ini. " + _SARAN_TEMPLAT,
        templat=str(template),
        ditolak=what,
    )


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
            f"Templat {template.name} tidak dapat dianalisis.", pustaka=library_text(exc),
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
