"""Template lint (``sakti templat periksa``): placeholders, required fields and the page layout.

Three checks per service template:

1. Every placeholder is something the letter's context holds. The allowed names are not a hand
   list: they are read from the context :func:`sakti_cli.issuance.context.letter_context` builds for a sample
   application (plus ``logo`` and ``qr``, added by :mod:`sakti_cli.documents.render`), so a new system field
   is known here the day it is added there. ``data.X`` must be an ``isian`` of the service, and in
   ``{% for o in data.daftar %}`` each ``o.X`` a ``butir`` of that list. References are found
   with jinja2's AST over the XML docxtpl actually renders (body, headers, footers), with the
   scopes of loops and ``{% set %}`` followed; a typo would otherwise be a silent blank (or, with
   the strict renderer, a failed issuance in front of the citizen).
2. Every required field (``wajib``) of the SOP appears somewhere in the template.
3. A sample with the longest realistic data (text fields at ``panjang_maks``, capped for well-known
   kinds of field by REALISTIC_LENGTHS, e.g. a person's name at the KTP-el's 60 characters; dates
   in September; the longest desa; the longest jabatan, name and pangkat of sakti.toml's
   signatories in the role that adds the "a.n." line; lists at a ``jumlah`` rule's ``maksimal`` or
   10 items) is rendered, converted by LibreOffice and read back with pypdf: the letter must fit
   ``halaman_maks`` and the signature block (place and date, jabatan, QR, name, pangkat, NIP) must
   sit on one page within that limit. The QR is found by the images each page actually paints.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sakti_cli.core.errors import ConfigError, SaktiError
from sakti_cli.office.workspace import KeySource, Signatory, Workspace
from sakti_cli.services.sop import FieldSpec, Service

DEFAULT_LIST_ITEMS = 10  # a realistic maximum for heirs, witnesses or family members moving
DEFAULT_TEXT_LENGTH = 100  # a text field without panjang_maks
# Realistic upper lengths of well-known kinds of field, used when the SOP's panjang_maks (an input
# limit, often generous) is longer; ``--panjang-penuh`` uses panjang_maks everywhere. First match wins.
REALISTIC_LENGTHS: tuple[tuple[str, int], ...] = (
    (r"^nama(_(?!lembaga|kegiatan|usaha)[a-z_]+)?$", 60),  # a person's name: 60 characters on the KTP-el
    (r"^nomor(_|$)", 30),  # letter numbers such as 400.9.14.1/0247/08.1006/V/2026
    (r"^tempat_(lahir|meninggal)", 32),  # a kabupaten/kota or hospital name
    (r"^pekerjaan", 40),  # the longest occupations of the Dukcapil list
    (r"^(desa|kelurahan|kecamatan|kabupaten|kota|provinsi)(_|$)", 32),  # region names
)
SAMPLE_NUMBER_SEQUENCE = 9999
SAMPLE_CODE = "MWQHKDRNMWQHKDRN"  # as long as a real verification code, in wide letters
_NAME_WORDS = ("Raden", "Ajeng", "Siti", "Nurhaliza", "Kartika", "Dewi", "Purnamasari", "Wulandari",
               "Muhammad", "Abdurrahman", "Syahputra", "Hendrawan", "Kusumaningrum", "Prasetyo")
_TEXT_WORDS = ("Jalan", "Pangeran", "Antasari", "Gang", "Keluarga", "Berencana", "Nomor", "123A", "Blok",
               "Perumahan", "Griya", "Permata", "Indah", "Tahap", "III", "belakang", "Masjid", "Agung",
               "pengajuan", "keringanan", "biaya", "pendidikan", "anak", "sekolah", "menengah", "kejuruan")
_NUMBER_TEXT = "400.9.14.1/0247/08.1006/V/2026/"
_SIGN_ROLES_BY_HEIGHT = ("a.n.", "Plt.", "Plh.", "definitif")  # a.n. adds the longest extra line

Problem = dict[str, str]
Progress = Callable[[str], None]


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class TemplateReport:
    """The lint of one service's template."""

    layanan: str
    templat: str
    halaman_maks: int | None = None
    halaman: int | None = None
    halaman_ttd: int | None = None
    terbaca: bool = True
    masalah: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.terbaca and not self.masalah

    def add(self, jenis: str, pesan: str, placeholder: str | None = None) -> None:
        problem = {"layanan": self.layanan, "templat": self.templat, "jenis": jenis, "pesan": pesan}
        if placeholder is not None:
            problem["placeholder"] = placeholder
        self.masalah.append(problem)

    def to_dict(self) -> dict[str, Any]:
        return {"layanan": self.layanan, "templat": self.templat, "status": "OK" if self.ok else "MASALAH",
                "terbaca": self.terbaca, "halaman": self.halaman, "halaman_maks": self.halaman_maks,
                "halaman_ttd": self.halaman_ttd, "masalah": self.masalah}


# ---------------------------------------------------------------------------------------------
# The sample with the longest realistic data
# ---------------------------------------------------------------------------------------------


def _words_to(length: int, words: Iterable[str]) -> str:
    """Words (cycled) up to exactly ``length`` characters: realistic wrapping, maximal width."""
    pool = list(words)
    out = ""
    index = 0
    while len(out) < length:
        out = f"{out} {pool[index % len(pool)]}" if out else pool[0]
        index += 1
    return out[:length].rstrip() or pool[0][:length]


def _longest_choice(spec: FieldSpec) -> str:
    from sakti_cli.core.id_format import jenis_kelamin_label

    def printed(choice: str) -> str:
        return jenis_kelamin_label(choice) if spec.kode == "jenis_kelamin" and choice in ("L", "P") else choice

    return max(spec.pilihan, key=lambda c: len(printed(c)))


def _list_size(service: Service, spec: FieldSpec, default: int) -> int:
    """A ``jumlah`` rule's ``maksimal`` for this list when the SOP has one, else ``default``."""
    for rule in service.aturan:
        if rule.jenis == "jumlah" and getattr(rule, "daftar", None) == spec.kode:
            upper = getattr(rule, "maksimal", None)
            if upper is not None:
                return max(int(upper), 1)
            lower = getattr(rule, "minimal", None)
            if lower is not None and int(lower) > default:
                return int(lower)
    return default


def text_length(spec: FieldSpec, full_length: bool = False) -> int:
    """How long the sample makes a text field: panjang_maks, capped by REALISTIC_LENGTHS."""
    length = spec.panjang_maks or DEFAULT_TEXT_LENGTH
    if full_length:
        return length
    for pattern, cap in REALISTIC_LENGTHS:
        if re.match(pattern, spec.kode):
            return min(length, cap)
    return length


def sample_value(ws: Workspace, service: Service, spec: FieldSpec, moment: datetime, list_items: int,
                 full_length: bool = False) -> Any:
    """The longest realistic value of one field, in the form the application data stores it."""
    if spec.jenis == "daftar":
        count = _list_size(service, spec, list_items)
        return [{sub.kode: sample_value(ws, service, sub, moment, list_items, full_length) for sub in spec.butir}
                for _ in range(count)]
    if spec.jenis in ("nik", "kk"):  # one number per field, so a wrapped one is named by its field
        import zlib

        serial = zlib.crc32(spec.kode.encode()) % 10_000
        return ("620105450790" if spec.jenis == "nik" else "620105120315") + f"{serial:04d}"
    if spec.jenis == "tanggal":
        return f"{moment.year:04d}-09-30"  # September: the longest month name
    if spec.jenis == "angka":
        return 99_999
    if spec.jenis == "uang":
        return 777_777_777  # the longest terbilang below a billion
    if spec.jenis == "telepon":
        return "+628123456789012"
    if spec.jenis == "pilihan":
        return _longest_choice(spec)
    if spec.jenis == "desa":
        desa = ws.config.kantor.desa or ["Kumpai Batu Bawah"]
        return max(desa, key=len)
    length = text_length(spec, full_length)
    if spec.kode.startswith("nomor"):
        return (_NUMBER_TEXT * (length // len(_NUMBER_TEXT) + 1))[:length]
    words = _NAME_WORDS if "nama" in spec.kode else _TEXT_WORDS
    return _words_to(length, words)


def sample_data(ws: Workspace, service: Service, moment: datetime, list_items: int = DEFAULT_LIST_ITEMS,
                full_length: bool = False) -> dict[str, Any]:
    return {spec.kode: sample_value(ws, service, spec, moment, list_items, full_length) for spec in service.isian}


def sample_signatory(ws: Workspace, service: Service) -> Signatory:
    """The tallest signature block the office can produce for this service: the longest jabatan,
    name and pangkat of the signatories allowed to sign it, in the role that adds the most lines."""
    people = [p for p in ws.config.penandatangan if p.peran in service.penandatangan] or ws.config.penandatangan
    kecamatan = ws.config.kantor.kecamatan
    role = next((r for r in _SIGN_ROLES_BY_HEIGHT if r in service.penandatangan), "definitif")
    nip = next((p.nip for p in people if p.nip), "198007231998101001")
    return Signatory(
        id="contoh-terpanjang",
        peran=cast(Any, role),
        jabatan=max((p.jabatan for p in people), key=len, default=f"Sekretaris Kecamatan {kecamatan}"),
        nama=max((p.nama for p in people), key=len, default="NAMA PENANDATANGAN CONTOH, S.STP, M.Si"),
        pangkat=max((p.pangkat for p in people), key=len, default="Pembina Tingkat I (IV/b)"),
        nip=nip,
        kunci=KeySource(),
    )


def sample_moment(ws: Workspace) -> datetime:
    from sakti_cli.core.clock import now

    return datetime(now(ws.zone).year, 9, 30, 9, 0, tzinfo=ws.zone)


def sample_context(ws: Workspace, service: Service, list_items: int = DEFAULT_LIST_ITEMS,
                   full_length: bool = False) -> tuple[dict[str, Any], Signatory]:
    """(letter context, signatory) of the longest realistic letter of ``service``."""
    from sakti_cli.issuance.context import letter_context
    from sakti_cli.register.numbering import format_number, pattern_for
    from sakti_cli.register.session import Application

    moment = sample_moment(ws)
    person = sample_signatory(ws, service)
    number = format_number(pattern_for(ws, service), service=service, unit=ws.config.kantor.kode_unit,
                           sequence=SAMPLE_NUMBER_SEQUENCE, moment=moment)
    from sakti_cli.signatures.sign import Issuer

    record: Application = {"data": sample_data(ws, service, moment, list_items, full_length)}
    longest_footer = Issuer(nama="Balai Besar Sertifikasi Elektronik", bsre=True, contoh=False)  # [tte].catatan
    context = letter_context(ws, service, record, person, number, SAMPLE_CODE, moment, longest_footer)
    return context, person


# ---------------------------------------------------------------------------------------------
# Placeholders: jinja2's AST over the XML docxtpl renders
# ---------------------------------------------------------------------------------------------


class _Items:
    """Shape of a list in the context: every item has the shape ``item``."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item


_LEAF = None


def context_shape(value: Any) -> Any:
    """dict -> {key: shape}; list -> _Items(merged item shape); anything else -> leaf (None)."""
    if isinstance(value, dict):
        return {str(k): context_shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        merged: dict[str, Any] = {}
        has_dicts = False
        for item in value:
            shape = context_shape(item)
            if isinstance(shape, dict):
                merged.update(shape)
                has_dicts = True
        return _Items(merged if has_dicts else _LEAF)
    return _LEAF


@dataclass(frozen=True)
class Reference:
    """One placeholder reference: as written (``o.nama``), resolved (``data.ahli_waris[].nama``)."""

    written: tuple[str, ...]
    resolved: tuple[str, ...] | None  # None: a local name we cannot follow (macro argument, tuple target)
    bagian: str
    baris: int
    sekitar: str

    @property
    def text(self) -> str:
        return _dotted(self.written)


def _dotted(path: Iterable[str]) -> str:
    out = ""
    for seg in path:
        out += seg if seg.startswith("[") else (f".{seg}" if out else seg)
    return out


def _chain(node: Any) -> tuple[str, list[str], list[str], list[Any]] | None:
    """``a.b['c'][0][i]`` -> ("a", ["b", "c", "[]", "*"], ["b", "c", "[0]", "[…]"], [i]): root, segments
    for resolving, segments as written, and the dynamic subscripts; None unless it starts at a name."""
    from jinja2 import nodes

    segs: list[str] = []
    shown: list[str] = []
    extra: list[Any] = []
    while True:
        if isinstance(node, nodes.Getattr):
            segs.append(node.attr)
            shown.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            value = node.arg.value if isinstance(node.arg, nodes.Const) else None
            if isinstance(value, str):
                segs.append(value)
                shown.append(value)
            elif isinstance(value, int):
                segs.append("[]")
                shown.append(f"[{value}]")
            else:
                segs.append("*")
                shown.append("[…]")
                extra.append(node.arg)
            node = node.node
        elif isinstance(node, nodes.Name):
            return node.name, segs[::-1], shown[::-1], extra
        else:
            return None


def _target_names(target: Any) -> list[str]:
    from jinja2 import nodes

    return [n.name for n in target.find_all(nodes.Name)] if not isinstance(target, nodes.Name) else [target.name]


class _Collector:
    def __init__(self, globals_: Iterable[str], bagian: str, lines: list[str]) -> None:
        self.globals = set(globals_)
        self.bagian = bagian
        self.lines = lines
        self.refs: list[Reference] = []

    def _around(self, lineno: int) -> str:
        """Visible text of the paragraph holding line ``lineno`` (one paragraph per line)."""
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        teks = " ".join(re.sub(r"<[^>]+>", "", line).split())
        return teks if len(teks) <= 160 else teks[:157] + "..."

    def resolve(self, node: Any, scope: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
        chain = _chain(node)
        if chain is None:
            return None
        root, segs, _shown, _extra = chain
        if root in scope:
            base = scope[root]
            return None if base is None else (*base, *segs)
        if root in self.globals:
            return None
        return (root, *segs)

    def visit(self, node: Any, scope: dict[str, tuple[str, ...] | None]) -> None:
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            inner = dict(scope)
            item = self.resolve(node.iter, scope)
            for name in _target_names(node.target):
                inner[name] = None
            if isinstance(node.target, nodes.Name) and item is not None:
                inner[node.target.name] = (*item, "[]")
            inner["loop"] = None
            for child in node.body:
                self.visit(child, inner)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.else_:
                self.visit(child, scope)
            return
        if isinstance(node, nodes.Assign):
            self.visit(node.node, scope)
            value = self.resolve(node.node, scope)
            names = _target_names(node.target)
            for name in names:
                scope[name] = value if isinstance(node.target, nodes.Name) else None
            return
        if isinstance(node, nodes.AssignBlock):
            for child in node.body:
                self.visit(child, scope)
            for name in _target_names(node.target):
                scope[name] = None
            return
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = None
            inner.update({"caller": None, "varargs": None, "kwargs": None})
            for default in node.defaults:
                self.visit(default, scope)
            if isinstance(node, nodes.CallBlock):
                self.visit(node.call, scope)
            for child in node.body:
                self.visit(child, inner)
            if isinstance(node, nodes.Macro):
                scope[node.name] = None
            return
        if isinstance(node, nodes.With):
            inner = dict(scope)
            for with_target, with_value in zip(node.targets, node.values, strict=False):
                self.visit(with_value, scope)
                bound = self.resolve(with_value, scope)
                for name in _target_names(with_target):
                    inner[name] = bound if isinstance(with_target, nodes.Name) else None
            for child in node.body:
                self.visit(child, inner)
            return
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            chain = _chain(node)
            if chain is not None:
                root, _segs, shown, extra = chain
                if isinstance(node, nodes.Name) and node.ctx != "load":
                    return
                written = (root, *shown)
                resolved = self.resolve(node, scope)
                if root not in self.globals or root in scope:
                    self.refs.append(Reference(written, resolved, self.bagian, node.lineno,
                                               self._around(node.lineno)))
                for sub in extra:
                    self.visit(sub, scope)
                return
        for child in node.iter_child_nodes():
            self.visit(child, scope)


def template_references(template: Path) -> list[Reference]:
    """Every placeholder reference of ``template`` (body, headers, footers), in document order.

    ConfigError when the template is missing, damaged or its placeholders do not parse.
    """
    from sakti_cli.documents.render import _buat_env, _buka_templat, _periksa_sintaks

    tpl = _buka_templat(template)
    env = _buat_env()
    refs: list[Reference] = []
    for bagian, xml in _periksa_sintaks(tpl, env, template):
        per_paragraf = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        collector = _Collector(env.globals, bagian, per_paragraf.splitlines())
        collector.visit(env.parse(per_paragraf), {})
        refs += collector.refs
    return refs


def _known(shape: Any) -> str:
    if isinstance(shape, dict):
        return ", ".join(sorted(shape)) or "(kosong)"
    return "-"


def placeholder_problems(service: Service, template_name: str, refs: list[Reference], shape: dict[str, Any]
                         ) -> list[tuple[str, str]]:
    """(placeholder, message) for every reference the context does not hold."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for ref in refs:
        if ref.resolved is None:
            continue
        node: Any = shape
        for depth, seg in enumerate(ref.resolved):
            if seg == "*":
                break
            here = ref.resolved[: depth + 1]
            if isinstance(node, dict):
                if seg in node:
                    node = node[seg]
                    continue
                reason = _unknown_reason(service, here, node)
            elif isinstance(node, _Items):
                if seg == "[]":
                    node = node.item
                    continue
                reason = f"{_dotted(here[:-1])} adalah daftar; pakai {{% for ... in {_dotted(here[:-1])} %}}"
            else:
                break  # an attribute of a printed value (e.g. a string method): not a placeholder
            key = f"{ref.text}|{reason}"
            if key not in seen:
                seen.add(key)
                where = f" di {ref.bagian}" + (f", dekat teks «{ref.sekitar}»" if ref.sekitar else "")
                problems.append((ref.text, f"{template_name}: placeholder {{{{ {ref.text} }}}} tidak dikenal "
                                 f"({reason}){where}; akan menjadi kosong atau menggagalkan penerbitan."))
            break
    return problems


def _unknown_reason(service: Service, here: tuple[str, ...], parent: dict[str, Any]) -> str:
    if len(here) == 1:
        return f"bukan data surat; yang tersedia: {_known(parent)}"
    if here[0] == "data" and len(here) == 2:
        return f"'{here[1]}' bukan isian layanan {service.kode}; isian: {_known(parent)}"
    if here[0] == "data" and len(here) == 4 and here[2] == "[]":
        return f"'{here[3]}' bukan isian butir {here[1]}; yang ada: {_known(parent)}"
    return f"'{here[-1]}' tidak ada di {_dotted(here[:-1])}; yang ada: {_known(parent)}"


# printable_data's extra forms of a field: printing one of them uses the field
DERIVED_SUFFIXES = ("_hari", "_terbilang", "_sebutan", "_kepala")


def unused_required(service: Service, refs: list[Reference]) -> list[FieldSpec]:
    used = {ref.resolved[1] for ref in refs if ref.resolved and ref.resolved[0] == "data" and len(ref.resolved) > 1}
    used |= {name.removesuffix(suffix) for name in used for suffix in DERIVED_SUFFIXES if name.endswith(suffix)}
    return [spec for spec in service.isian if spec.wajib and spec.kode not in used]


# ---------------------------------------------------------------------------------------------
# Layout: the rendered sample read back from the PDF
# ---------------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return "".join(text.split()).casefold()


def _qr_size(payload: str) -> tuple[int, int]:
    import io

    from PIL import Image

    from sakti_cli.documents.render import _qr_png

    with Image.open(io.BytesIO(_qr_png(payload))) as image:
        return image.size


def _drawn_image_sizes(reader: Any, content: Any, resources: Any, depth: int = 0) -> list[tuple[int, int]]:
    """(width, height) in pixels of each image a content stream actually paints (``Do``), following
    form XObjects. LibreOffice shares one resource dictionary between pages, so the resources alone
    do not say which page shows an image."""
    from pypdf.generic import ContentStream

    if content is None or depth > 8:
        return []
    xobjects = resources.get("/XObject", {}) if resources is not None else {}
    xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
    sizes: list[tuple[int, int]] = []
    for operands, operator in ContentStream(content, reader).operations:
        if operator != b"Do" or not operands or operands[0] not in xobjects:
            continue
        xobject = xobjects[operands[0]].get_object()
        if xobject.get("/Subtype") == "/Image":
            sizes.append((int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0))))
        elif xobject.get("/Subtype") == "/Form":
            sizes += _drawn_image_sizes(reader, xobject, xobject.get("/Resources", resources), depth + 1)
    return sizes


def _pages_with_image(reader: Any, size: tuple[int, int]) -> list[int]:
    found = []
    for number, page in enumerate(reader.pages, 1):
        try:
            sizes = _drawn_image_sizes(reader, page.get_contents(), page.get("/Resources"))
        except Exception:  # a content stream pypdf cannot parse: no QR found there
            continue
        if any(s == size or (s[0] == s[1] and abs(s[0] - size[0]) <= 2) for s in sizes):
            found.append(number)
    return found


def block_elements(context: dict[str, Any], used: set[str]) -> list[tuple[str, str]]:
    """(label, printed text) of the signature block's lines that the template prints."""
    ttd = context["ttd"]
    wanted = [("tempat dan tanggal", "surat.tempat_tanggal", context["surat"]["tempat_tanggal"]),
              ("baris a.n.", "ttd.baris_an", ttd["baris_an"]), ("jabatan", "ttd.jabatan", ttd["jabatan"]),
              ("nama", "ttd.nama", ttd["nama"]), ("pangkat", "ttd.pangkat", ttd["pangkat"]),
              ("NIP", "ttd.nip", ttd["nip"])]
    return [(label, text) for label, placeholder, text in wanted if placeholder in used and text]


PT_PER_CM = 72 / 2.54
MARGIN_SLACK_PT = 1.0  # a bordered table's left border stands on the text margin


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def _next_pieces(words: list[_Word], here: _Word) -> list[tuple[_Word, bool]]:
    """Words that may continue ``here``: the next word on its line, or a word on the following line
    that starts left of where ``here`` ends (the line wrapped). (word, on a new line)."""
    height = max(here.bottom - here.top, 1.0)
    out: list[tuple[_Word, bool]] = []
    for word in words:
        if abs(word.top - here.top) < height / 2:
            if 0 <= word.x0 - here.x1 <= 1.5 * height:
                out.append((word, False))
        elif here.bottom - 1 <= word.top <= here.bottom + 1.5 * height and word.x0 < here.x1:
            out.append((word, True))
    return out


def _wraps(words: list[_Word], value: str) -> bool:
    """Is ``value`` (without spaces) printed as consecutive words of which one is on a later line?"""
    def follow(word: _Word, rest: str, wrapped: bool, depth: int) -> bool:
        if word.text.startswith(rest):
            return wrapped
        if depth > 6 or not rest.startswith(word.text):
            return False
        rest = rest[len(word.text):]
        return any(follow(nxt, rest, wrapped or down, depth + 1) for nxt, down in _next_pieces(words, word))

    return any(follow(word, value, False, 0) for word in words if word.text and value.startswith(word.text))


def pdf_layout_problems(pdf: Path, keep_whole: dict[str, str], margins_pt: tuple[float, float]) -> list[str]:
    """What a reader would see wrong on the printed letter (pdfplumber's character, rectangle and
    line boxes): each value of ``keep_whole`` (printed text -> what it is, e.g. a NIK or a table's
    label) broken over two lines, anything printed or drawn beyond the left/right text margins
    (``margins_pt``), and a tembusan that is not below the signature block.

    The one implementation of these checks: ``templat periksa`` runs it on the sample with the
    longest data, the tests on real letters (tests/pdf_layout.py)."""
    import pdfplumber

    found: list[str] = []
    seen: set[str] = set()
    with pdfplumber.open(str(pdf)) as doc:
        lines: list[tuple[int, float, str]] = []
        for number, page in enumerate(doc.pages, 1):
            lines += [(number, line["top"], line["text"]) for line in page.extract_text_lines()]
            left, right = margins_pt[0] - MARGIN_SLACK_PT, page.width - margins_pt[1] + MARGIN_SLACK_PT
            outside = {"chars": [], "rects": [], "lines": []}  # type: dict[str, list[Any]]
            for kind in outside:
                outside[kind] = [shape for shape in getattr(page, kind) if shape["x0"] < left or shape["x1"] > right]
            if outside["chars"]:
                text = "".join(c["text"] for c in outside["chars"])[:40]
                far = max(max(left - c["x0"], c["x1"] - right) for c in outside["chars"])
                found.append(f"halaman {number}: teks «{text}» melewati margin ({far / PT_PER_CM:.1f} cm)")
            drawn = outside["rects"] + outside["lines"]
            if drawn:
                far = max(max(left - d["x0"], d["x1"] - right) for d in drawn)
                found.append(f"halaman {number}: tabel atau garis melewati margin {far / PT_PER_CM:.1f} cm "
                             f"(lebar teks {(page.width - margins_pt[0] - margins_pt[1]) / PT_PER_CM:.1f} cm)")
            words = [_Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in page.extract_words()]
            for value, what in keep_whole.items():
                squashed = "".join(value.split())
                if squashed and what not in seen and _wraps(words, squashed):
                    seen.add(what)
                    found.append(f"halaman {number}: {what} «{value}» terpotong ke baris berikutnya")
        nip = [(n, top) for n, top, t in lines if t.startswith("NIP.")]
        tembusan = [(n, top) for n, top, t in lines if t.startswith("Tembusan")]
        if tembusan and (not nip or tembusan[0] < nip[-1]):
            found.append("tembusan tidak di bawah blok tanda tangan")
    return found


def docx_margins(docx: Path) -> tuple[float, float]:
    """(left, right) margin in points of a DOCX's first section."""
    from docx import Document

    section = Document(str(docx)).sections[0]
    return (section.left_margin or 0) / 12700, (section.right_margin or 0) / 12700


def table_labels(docx: Path) -> list[str]:
    """The fixed text of the template's table cells (labels such as "Tempat/Tanggal Lahir", column
    heads such as "NIK"): short, one paragraph, no placeholder. Each must stay on one line."""
    from docx import Document

    labels: list[str] = []
    for table in Document(str(docx)).tables:
        for row in table.rows:
            for cell in row.cells:
                text = " ".join(cell.text.split())
                if (len(cell.paragraphs) == 1 and 2 <= len(text) <= 40 and "{" not in text and "}" not in text
                        and any(ch.isalpha() for ch in text) and text not in labels):
                    labels.append(text)
    return labels


def keep_whole_values(service: Service, context: dict[str, Any], template: Path) -> dict[str, str]:
    """Printed text that must never break over lines -> what it is: the service's NIK, KK, phone and
    number fields (in lists too), the letter's number and verification code, the NIP, and the
    template's table labels."""
    out: dict[str, str] = {}

    def add(value: str, what: str) -> None:  # one printed value may fill several fields: name them all
        out[value] = f"{out[value]} / {what}" if value in out and what not in out[value] else what

    def walk(specs: Iterable[FieldSpec], values: Any, where: str) -> None:
        if isinstance(values, list):
            for item in values:
                walk(specs, item, where + "[]")
            return
        if not isinstance(values, dict):
            return
        for spec in specs:
            value = values.get(spec.kode)
            if spec.jenis == "daftar":
                walk(spec.butir, value, f"{where}.{spec.kode}")
            elif isinstance(value, str) and value and (spec.jenis in ("nik", "kk", "telepon")
                                                      or spec.kode.startswith("nomor")):
                add(value, f"{spec.label or spec.kode} ({where}.{spec.kode})")

    walk(service.isian, context["data"], "data")
    for label, placeholder, value in (("nomor surat", "surat.nomor", context["surat"]["nomor"]),
                                      ("kode verifikasi", "surat.kode_verifikasi", context["surat"]["kode_verifikasi"]),
                                      ("NIP", "ttd.nip", context["ttd"]["nip"])):
        if value:
            add(str(value), f"{label} ({placeholder})")
    for text in table_labels(template):
        add(text, "label tabel")
    return out


def layout_problems(pdf: Path, context: dict[str, Any], used: set[str], qr_payload: str, halaman_maks: int
                    ) -> tuple[int, int | None, list[str]]:
    """(pages, page of the signature block, messages) of the sample PDF."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    texts = [_squash(page.extract_text() or "") for page in reader.pages]
    pages = len(texts)
    where: list[tuple[str, int | None]] = []
    for label, text in block_elements(context, used):
        key = _squash(text)
        hits = [n for n, page in enumerate(texts, 1) if key in page]
        where.append((label, hits[-1] if hits else None))
    if "qr" in used:
        hits = _pages_with_image(reader, _qr_size(qr_payload))
        where.append(("kode QR", hits[-1] if hits else None))
    messages: list[str] = []
    if pages > halaman_maks:
        messages.append(f"surat contoh dengan data terpanjang {pages} halaman; SOP mengizinkan paling banyak "
                        f"{halaman_maks} (halaman_maks)")
    missing = [label for label, page in where if page is None]
    found = [(label, page) for label, page in where if page is not None]
    if missing:
        messages.append("bagian blok tanda tangan tidak ditemukan di PDF contoh: " + ", ".join(missing))
    if not found:
        return pages, None, messages
    block_pages = sorted({page for _, page in found if page is not None})
    last = block_pages[-1]
    if len(block_pages) > 1 or last > halaman_maks:
        detail = "; ".join(
            f"{', '.join(label for label, page in found if page == p)} di halaman {p}" for p in block_pages)
        limit = f", batas {halaman_maks} halaman" if last > halaman_maks else ""
        split = "terpotong: " if len(block_pages) > 1 else ""
        messages.append(f"blok tanda tangan terdorong ke halaman {last} ({split}{detail}{limit})")
    return pages, last, messages


# ---------------------------------------------------------------------------------------------
# The whole lint
# ---------------------------------------------------------------------------------------------


def _open_problem(template: Path) -> str | None:
    """A message when the file cannot be read as a DOCX at all, else None."""
    from sakti_cli.documents.render import _buka_templat

    try:
        _buka_templat(template)
    except ConfigError as exc:
        return exc.pesan
    return None


def lint_templates(ws: Workspace, services: list[Service], *, list_items: int = DEFAULT_LIST_ITEMS,
                   full_length: bool = False, layout: bool = True, keep_dir: Path | None = None,
                   progress: Progress | None = None) -> list[TemplateReport]:
    """Lint the template of each service; one report per service, in the given order.

    ``layout=False`` skips the PDF (no LibreOffice). ``keep_dir`` keeps the sample DOCX and PDF.
    """
    from sakti_cli.documents.template_guard import Trial, try_templates
    from sakti_cli.issuance.context import logo_path, verification_url

    say = progress or (lambda _text: None)
    reports: list[TemplateReport] = []
    checked: list[tuple[TemplateReport, Service, Path, dict[str, Any], set[str], bool]] = []
    for service in services:
        template = ws.template_dir / service.templat
        report = TemplateReport(service.kode, service.templat, halaman_maks=service.halaman_maks)
        reports.append(report)
        say(f"memeriksa placeholder {service.templat}")
        problem = _open_problem(template)
        if problem is not None:
            report.terbaca = False
            report.add("tidak_terbaca", problem)
            continue
        try:
            refs = template_references(template)
        except ConfigError as exc:
            report.add("sintaks", exc.pesan)
            continue
        context, _person = sample_context(ws, service, list_items, full_length)
        shape: dict[str, Any] = context_shape(context)
        shape.update({"logo": _LEAF, "qr": _LEAF})  # added by render.render_docx
        unknown = placeholder_problems(service, service.templat, refs, shape)
        for placeholder, message in unknown:
            report.add("placeholder", message, placeholder)
        for spec in unused_required(service, refs):
            report.add("isian_tidak_dipakai",
                       f"{service.templat}: isian wajib '{spec.kode}' ({spec.label}) tidak dipakai di templat; "
                       f"tambahkan {{{{ data.{spec.kode} }}}} di tempat yang sesuai.", f"data.{spec.kode}")
        used = {_dotted(ref.resolved) for ref in refs if ref.resolved}
        if "ttd.nama" not in used:
            report.add("tanda_tangan", f"{service.templat}: templat tidak memuat {{{{ ttd.nama }}}}: "
                       "blok tanda tangan tidak dapat diperiksa.", "ttd.nama")
        checked.append((report, service, template, context, used, bool(unknown)))
    to_render: list[tuple[TemplateReport, Service, Path, dict[str, Any], set[str]]] = []
    if checked:
        say("mencoba templat dengan batas waktu dan memori")
        payload = verification_url(ws, SAMPLE_CODE)
        trials = [Trial(template, context, payload, logo_path(ws)) for _r, _s, template, context, _u, _k in checked]
        for (report, service, template, context, used, has_unknown), verdict in zip(
                checked, try_templates(ws, trials), strict=True):
            if isinstance(verdict, ConfigError):
                report.terbaca = False  # refused outright, like an unreadable template (exit 4)
                report.add("batas", verdict.pesan)
            elif verdict is not None and not has_unknown and not layout:
                report.add("isi", verdict)
            elif layout and not has_unknown:
                to_render.append((report, service, template, context, used))
    if not to_render:
        return reports

    from sakti_cli.documents.convert import Converter
    from sakti_cli.documents.render import render_docx

    work = Path(tempfile.mkdtemp(prefix="sakti-periksa-templat-"))
    try:
        logo = logo_path(ws)
        rendered: list[tuple[TemplateReport, Service, Path, dict[str, Any], set[str], str]] = []
        for report, service, template, context, used in to_render:
            say(f"mengisi {service.templat} dengan data terpanjang")
            payload = verification_url(ws, SAMPLE_CODE)
            docx = work / f"contoh-{service.kode}.docx"
            try:
                render_docx(template, context, docx, qr_payload=payload, logo=logo, kertas=ws.config.surat.kertas)
            except ConfigError as exc:
                report.add("isi", exc.pesan)
                continue
            rendered.append((report, service, docx, context, used, payload))
        if rendered:
            say("mengubah contoh ke PDF (LibreOffice)")
            with Converter() as converter:
                for report, service, docx, context, used, payload in rendered:
                    try:
                        pdf = converter.convert(docx, work)
                    except ConfigError as exc:
                        report.add("pdf", f"{service.templat}: contoh tidak dapat diubah ke PDF ({exc.pesan})")
                        continue
                    pages, block_page, messages = layout_problems(pdf, context, used, payload,
                                                                  service.halaman_maks)
                    whole = keep_whole_values(service, context, ws.template_dir / service.templat)
                    messages += pdf_layout_problems(pdf, whole, docx_margins(docx))
                    report.halaman, report.halaman_ttd = pages, block_page
                    for message in messages:
                        report.add("tata_letak", f"{service.templat}: {message}.")
                    if keep_dir is not None:
                        _keep(keep_dir, docx, pdf)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return reports


def check_template(ws: Workspace, service: Service, template: Path) -> None:
    """``terbitkan``'s check before a number is reserved: ConfigError (exit 4) naming the template
    and what it exceeded; an ordinary template error is left to the issuance's own trial render."""
    from sakti_cli.documents.template_guard import Trial, try_templates
    from sakti_cli.issuance.context import logo_path, verification_url

    context, _person = sample_context(ws, service)
    verdict = try_templates(ws, [Trial(template, context, verification_url(ws, SAMPLE_CODE), logo_path(ws))])[0]
    if isinstance(verdict, ConfigError):
        raise verdict


def _keep(folder: Path, *files: Path) -> None:
    from sakti_cli.core.errors import EnvironmentProblem

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copy2(path, folder / path.name)
    except OSError as exc:
        raise EnvironmentProblem(f"Contoh tidak dapat disimpan di {folder}: {exc.strerror or exc}.",
                                 saran="Pilih folder yang dapat ditulisi.") from exc


def services_to_check(ws: Workspace, code: str | None) -> tuple[list[Service], list[TemplateReport]]:
    """The services to lint, and a report for each SOP file that does not load (all services only)."""
    from sakti_cli.services.sop import list_service_files, load_service, load_service_file

    if code is not None:
        return [load_service(ws.sop_dir, code)], []
    services: list[Service] = []
    broken: list[TemplateReport] = []
    for path in list_service_files(ws.sop_dir):
        try:
            services.append(load_service_file(path))
        except SaktiError as exc:
            report = TemplateReport(path.stem, "-", terbaca=False)
            report.add("sop", exc.pesan)
            broken.append(report)
    return services, broken
