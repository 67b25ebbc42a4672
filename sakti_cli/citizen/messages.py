"""Answers to the citizen: the WhatsApp text for each step of an application and its wa.me link.

The texts are Jinja2 templates the office edits (``templat/pesan/<jenis>.txt`` in the workspace, the
bundled copy when the workspace has none), rendered in the same bounded sandbox as letters
(:mod:`sakti_cli.documents.render`) but without HTML escaping. The context holds no NIK, and the finished text
is masked once more (:func:`privacy.mask_text`): a reason or a check line may quote one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from sakti_cli.core.errors import ConfigError, library_text
from sakti_cli.core.privacy import mask_text
from sakti_cli.core.resources import bundled_dir
from sakti_cli.register.session import Application
from sakti_cli.register.states import ApplicationStatus

KINDS = ("diterima", "belum_lengkap", "ditolak", "terbit")
"""One template per step: registration, missing items after periksa, refusal, issued letter."""
MAX_TEMPLATE_CHARS = 20_000
MAX_MESSAGE_CHARS = 4_000
PHONE_FIELD = "telepon"
EMAIL_FIELD = "surel"


def wa_number(value: Any) -> tuple[str | None, str | None]:
    """The number as wa.me wants it (``62…``, no plus) or None and the reason: never a guess."""
    if value is None or not str(value).strip():
        return None, "nomor WhatsApp tidak ada"
    import phonenumbers

    text = str(value).strip()
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None, f"nomor WhatsApp tidak valid: {text}"
    if not phonenumbers.is_valid_number(number):
        return None, f"nomor WhatsApp tidak valid: {text}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+"), None


def template_path(ws: Any, kind: str) -> Path:
    own = Path(ws.template_dir) / "pesan" / f"{kind}.txt"
    return own if own.is_file() else bundled_dir("templat") / "pesan" / f"{kind}.txt"


def _refused(path: Path, why: str, exc: BaseException | None = None) -> ConfigError:
    extra = {"pustaka": library_text(exc)} if exc is not None else {}
    saran = f"Perbaiki {path}: pakai hanya {{{{ isian }}}}, {{% if %}} dan {{% for %}} atas data pesan."
    return ConfigError(f"Templat pesan {path.name} ditolak: {why}.", saran=saran, templat=str(path), **extra)


def _environment() -> tuple[Any, type[Exception], type[Exception]]:
    """(the bounded sandbox without HTML escaping, its missing-field exception, its over-the-bound exception)."""
    from sakti_cli.documents.render import BATAS, _kelas_sandbox, _kelas_undefined

    undefined, missing = _kelas_undefined()
    env_class, over = _kelas_sandbox()
    env = env_class(BATAS, loader=None, undefined=undefined, autoescape=False, cache_size=0, auto_reload=False)
    return env, missing, over


def compile_ahead(ws: Any, kinds: tuple[str, ...]) -> int:
    """The code of the office's message templates of ``kinds`` compiled now (the sandbox keeps it per source text) for
    the fork server's children; how many compiled. A template that cannot be read or compiled is left to
    its render, which says what is wrong."""
    env = _environment()[0]
    done = 0
    for kind in kinds:
        try:
            env.compile(template_path(ws, kind).read_text(encoding="utf-8"))
        except Exception:  # said by render_message at its use
            continue
        done += 1
    return done


def render_message(path: Path, context: dict[str, Any]) -> str:
    """One template filled in the bounded sandbox; any escape attempt or runaway loop is refused."""
    from jinja2.exceptions import SecurityError, TemplateError

    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _refused(path, "tidak dapat dibaca", exc) from None
    if len(source) > MAX_TEMPLATE_CHARS:
        raise _refused(path, f"lebih dari {MAX_TEMPLATE_CHARS} karakter")
    env, missing, over = _environment()
    try:
        text = env.from_string(source).render(context)
    except missing as exc:
        name = str(exc).partition("\n")[0]
        raise _refused(path, f"isian {{{{ {name} }}}} tidak ada atau tidak diizinkan") from None
    except over as exc:
        raise _refused(path, f"melampaui batas ({exc})") from None
    except OverflowError:  # jinja's own range() bound
        raise _refused(path, "melampaui batas (range terlalu besar)") from None
    except RecursionError:
        raise _refused(path, "makro memanggil dirinya terlalu dalam") from None
    except SecurityError as exc:
        raise _refused(path, "memakai ekspresi yang tidak diizinkan", exc) from None
    except (TemplateError, TypeError, ValueError, KeyError) as exc:
        raise _refused(path, "tidak dapat diisi", exc) from None
    if len(text) > MAX_MESSAGE_CHARS:
        raise _refused(path, f"pesan lebih dari {MAX_MESSAGE_CHARS} karakter")
    return mask_text(text.strip())


def current_kind(record: Application) -> str:
    """The message for the state the application is in now (LENGKAP and MENUNGGU_TTD: still the receipt)."""
    return {ApplicationStatus.BELUM_LENGKAP: "belum_lengkap", ApplicationStatus.DITOLAK: "ditolak",
            ApplicationStatus.TERBIT: "terbit"}.get(ApplicationStatus(record["status"]),
                                                                                          "diterima")


def message_context(ws: Any, service: Any, record: Application) -> dict[str, Any]:
    """What a template may use; no NIK or KK (only names, numbers of the office and the letter)."""
    from sakti_cli.issuance.context import verification_url

    data = record.get("data") or {}
    check = record.get("periksa") or {}
    letter = record.get("surat") or {}
    office = ws.config.kantor
    return {
        "nama": (service.applicant_name(data) if service is not None else None) or "Bapak/Ibu",
        "layanan": service.nama if service is not None else record["layanan"],
        "kantor": f"Kecamatan {office.kecamatan}",
        "nomor_registrasi": record["nomor_registrasi"],
        "status": record["status"],
        "berkas": [name for name, _items in _received(service, record)],  # in the SOP's order
        "jangka_waktu": service.standar_pelayanan.jangka_waktu.teks if service is not None else "-",
        "kekurangan": [f"{line['syarat']}: {line['pesan']}" for line in check.get("hasil", [])
                       if line.get("status") != "OK"],
        "alasan": record.get("alasan_tolak") or "",
        "nomor_surat": letter.get("nomor_surat") or "",
        "url_verifikasi": verification_url(ws, letter["kode_verifikasi"]) if letter.get("kode_verifikasi") else "",
        "tautan_survei": ws.config.skm.tautan or "",  # [skm] tautan: the satisfaction survey (PermenPAN-RB 14/2017)
    }


def citizen_message(ws: Any, service: Any, record: Application, kind: str | None = None) -> dict[str, Any]:
    """``pesan_wa`` (the text), ``tautan_wa`` (wa.me link or None) and, without a usable number,
    ``alasan_wa``: the keys every step's JSON carries."""
    kind = kind or current_kind(record)
    text = render_message(template_path(ws, kind), message_context(ws, service, record))
    number, reason = wa_number((record.get("data") or {}).get(PHONE_FIELD))
    link = f"https://wa.me/{number}?text={quote(text, safe='')}" if number else None
    shown: dict[str, Any] = {"jenis_pesan": kind, "pesan_wa": text, "tautan_wa": link}
    if reason:
        shown["alasan_wa"] = reason
    return shown


def receipt_sheet(ws: Any, service: Any, record: Application) -> Any:
    """The tanda terima: office, registration number and time, service, applicant, files received,
    the service time, and the applicant's NIK masked (it is handed to the citizen, and may be lost)."""
    from sakti_cli.core.id_format import waktu_singkat
    from sakti_cli.core.privacy import mask_data
    from sakti_cli.documents.info_sheet import Item, Section, Sheet

    context = message_context(ws, service, record)
    office = ws.config.kantor
    masked = mask_data(record.get("data") or {}, service)
    people = [Item("Nama pemohon", context["nama"])]
    people += [Item(spec.label, str(masked[spec.kode])) for spec in (service.isian if service else [])
               if spec.jenis == "nik" and masked.get(spec.kode)]
    files = [Item(name, ", ".join(item.get("nama_asli", "") for item in items))
             for name, items in _received(service, record)]
    sections = [
        Section("Permohonan", "daftar", [
            Item("Nomor registrasi", record["nomor_registrasi"]),
            Item("Diterima", waktu_singkat(record["dibuat"], ws.zone)),
            Item("Layanan", context["layanan"]),
            *people]),
        Section("Berkas yang diterima", "daftar", files or [Item("-")]),
        Section("Waktu penyelesaian", "paragraf", [Item(context["jangka_waktu"])]),
    ]
    note = ("Simpan tanda terima ini; sebutkan nomor registrasi bila menanyakan status permohonan. "
            "NIK ditulis tersamar untuk melindungi data pribadi Anda.")
    return Sheet("TANDA TERIMA PERMOHONAN", f"Kecamatan {office.kecamatan}, Kabupaten {office.kabupaten}",
                 sections, mask_text(note))


def _received(service: Any, record: Application) -> list[tuple[str, list[dict[str, Any]]]]:
    names = {req.kode: req.nama for req in service.persyaratan} if service is not None else {}
    files = record.get("berkas") or {}
    ordered = [code for code in names if files.get(code)] + sorted(set(files) - names.keys())
    return [(names.get(code, code), files[code]) for code in ordered if files.get(code)]


def write_receipt(ws: Any, service: Any, record: Application, target: Path) -> str:
    """The receipt PDF at ``target`` (0600: it names a person); returns its absolute path."""
    from sakti_cli.core.errors import InputError
    from sakti_cli.documents.info_sheet import check_folder, write_pdf

    target = Path(target).expanduser()
    if target.suffix.lower() != ".pdf":
        raise InputError(f"Tanda terima '{target.name}' harus berupa berkas .pdf.",
                         saran="Akhiri nama berkas dengan .pdf, mis. --tanda-terima tanda-terima.pdf.",
                         berkas=str(target))
    target = target.resolve()
    check_folder(target)
    write_pdf(receipt_sheet(ws, service, record), target, 0o600)
    return str(target)
