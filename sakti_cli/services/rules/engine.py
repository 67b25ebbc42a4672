"""Evaluate an SOP's ``aturan`` against one application's data.

Each rule gives one result line (kode, syarat, status, pesan) in the shape of ``periksa``'s ``hasil``;
a rule with ``akibat: wajibkan`` may instead make optional requirements required. Rules on a list
(``saksi[].nik``) are checked for every item and name the failing items in the message. Messages
never repeat a NIK or KK number (PDP): they name people by their ``nama``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sakti_cli.core.id_format import tanggal_indonesia
from sakti_cli.services.rules.aturan import (
    AgeRule,
    ConditionalRule,
    CountRule,
    DayRule,
    DesaRule,
    DistinctRule,
    NikRule,
    WorkdayRule,
    _Bounds,
    _Rule,
    split_ref,
)
from sakti_cli.services.rules.kalender import Calendar
from sakti_cli.services.sop import Service

OK, MISSING, INVALID = "OK", "KURANG", "TIDAK_VALID"


@dataclass
class RuleResult:
    kode: str
    syarat: str
    status: str
    pesan: str
    wajibkan: set[str] = field(default_factory=set)


@dataclass
class Context:
    service: Service
    data: dict[str, Any]
    registered: date
    today: date
    desa: list[str]
    kecamatan: str
    calendar: Callable[[], Calendar]
    reg: str = "REG"


class _Skip(Exception):
    """A value the rule needs is empty: the rule does not apply."""


def lower_first(text: str) -> str:
    """'Tanggal akad' -> 'tanggal akad', but 'KUA' and 'NIK' keep their capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _item_label(ctx: Context, list_code: str, index: int, item: dict[str, Any]) -> str:
    spec = ctx.service.field(list_code)
    label = lower_first(spec.label if spec else list_code)
    name = item.get("nama")
    return f"{label} ke-{index + 1}" + (f" ({name})" if name else "")


def _value(ctx: Context, ref: str, item: dict[str, Any] | None) -> Any:
    list_code, code = split_ref(ref)
    if list_code is None:
        if code == "tanggal_daftar":
            return ctx.registered
        if code == "hari_ini":
            return ctx.today
        value = ctx.data.get(code)
    else:
        value = (item or {}).get(code)
    if value is None or value == "":
        raise _Skip(ref)
    return value


def _date(ctx: Context, ref: str, item: dict[str, Any] | None) -> date:
    value = _value(ctx, ref, item)
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _label(ctx: Context, ref: str) -> str:
    list_code, code = split_ref(ref)
    if list_code is None and code == "tanggal_daftar":
        return "tanggal daftar"
    if list_code is None and code == "hari_ini":
        return "hari ini"
    spec = ctx.service.field(list_code or code)
    if list_code is not None and spec is not None:
        spec = spec.item(code)
    return lower_first(spec.label) if spec else code


def _items(ctx: Context, rule: _Rule) -> tuple[str | None, list[tuple[int, dict[str, Any]]]]:
    """The list the rule runs over (if any) and its items; a single pseudo-item otherwise."""
    for _param, ref in rule.references():
        list_code, _ = split_ref(ref)
        if list_code is not None:
            items = ctx.data.get(list_code) or []
            return list_code, [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]
    return None, [(0, {})]


def _finish(ctx: Context, rule: _Rule, failures: list[str], ok_text: str) -> RuleResult:
    if not failures:
        return RuleResult(rule.kode, rule.nama, OK, ok_text)
    detail = "; ".join(failures)
    if rule.akibat == "wajibkan":
        names = ", ".join(_requirement_name(ctx, code) for code in rule.wajibkan)
        return RuleResult(rule.kode, rule.nama, OK, f"{detail}: {names} menjadi wajib", set(rule.wajibkan))
    message = f"{rule.pesan} ({detail})" if rule.pesan else detail
    if rule.akibat == "kurang":
        return RuleResult(rule.kode, rule.nama, MISSING, message)
    if rule.akibat == "tolak":
        message += (f". Tidak dapat dilengkapi: tolak permohonan dengan 'sakti tolak {ctx.reg} --alasan \"...\"'")
    return RuleResult(rule.kode, rule.nama, INVALID, message)


def _requirement_name(ctx: Context, code: str) -> str:
    req = ctx.service.requirement(code)
    return req.nama if req else code


def _per_item(ctx: Context, rule: _Rule, check: Callable[[dict[str, Any]], str | None], ok_text: str,
              ) -> RuleResult:
    list_code, items = _items(ctx, rule)
    if list_code is not None and not items:
        return RuleResult(rule.kode, rule.nama, OK, f"tidak berlaku: daftar {_label(ctx, list_code)} kosong")
    failures: list[str] = []
    checked = 0
    for index, item in items:
        try:
            problem = check(item)
        except _Skip:
            continue
        checked += 1
        if problem:
            failures.append(f"{_item_label(ctx, list_code, index, item)}: {problem}" if list_code else problem)
    if not checked:
        return RuleResult(rule.kode, rule.nama, OK, "tidak berlaku: isian yang diperiksa kosong")
    return _finish(ctx, rule, failures, ok_text)


# --- the rule kinds ---------------------------------------------------------------------------------


def _nik(ctx: Context, rule: NikRule) -> RuleResult:
    from sakti_cli.core.nik import check_nik_consistency, parse_nik

    def check(item: dict[str, Any]) -> str | None:
        nik = str(_value(ctx, rule.nik, item))
        try:
            info = parse_nik(nik, today=ctx.today)
        except ValueError as exc:
            return str(exc)
        birth = _date(ctx, rule.tanggal_lahir, item) if rule.tanggal_lahir else None
        sex = str(_value(ctx, rule.jenis_kelamin, item)) if rule.jenis_kelamin else rule.kelamin
        problems = check_nik_consistency(info, birth, sex)
        return "; ".join(problems) if problems else None

    return _per_item(ctx, rule, check, "NIK sesuai tanggal lahir dan jenis kelamin")


def _birth(ctx: Context, ref: str, item: dict[str, Any]) -> date:
    from sakti_cli.core.nik import parse_nik

    list_code, code = split_ref(ref)
    spec = ctx.service.field(list_code or code)
    if list_code is not None and spec is not None:
        spec = spec.item(code)
    if spec is not None and spec.jenis == "nik":
        try:
            return parse_nik(str(_value(ctx, ref, item)), today=ctx.today).birth_date
        except ValueError:
            raise _Skip(ref) from None  # the NIK rule says what is wrong with it
    return _date(ctx, ref, item)


def _umur(ctx: Context, rule: AgeRule) -> RuleResult:
    who = rule.label or _label(ctx, rule.tanggal_lahir).removeprefix("tanggal lahir ").strip()
    on_label = _label(ctx, rule.pada)
    ages: list[str] = []

    def check(item: dict[str, Any]) -> str | None:
        born = _birth(ctx, rule.tanggal_lahir, item)
        on = _date(ctx, rule.pada, item)
        years = _age(born, on)
        fact = f"{years} tahun pada {on_label} ({tanggal_indonesia(on)})"
        ages.append(fact)
        return None if rule.within(years) else f"{fact}, syarat umur {rule.bound_text()} tahun"

    result = _per_item(ctx, rule, check, "")
    if result.status == OK and not result.pesan:
        subject = f"{who}: " if who and not rule.references()[0][1].count("[]") else ""
        result.pesan = f"{subject}{'; '.join(ages)} (syarat {rule.bound_text()} tahun)"
    return result


def _count_text(bounds: _Bounds) -> str:
    return bounds.bound_text()


def _span(ctx: Context, rule: WorkdayRule | DayRule, count: Callable[[date, date], int], unit: str,
          between: tuple[str, str]) -> RuleResult:
    """Days between two dates (working days or calendar days), per item where the dates are per item."""
    facts: list[str] = []

    def check(item: dict[str, Any]) -> str | None:
        start, end = _date(ctx, rule.dari, item), _date(ctx, rule.sampai, item)
        days = count(start, end)
        fact = (f"{days} {unit} {between[0]} {_label(ctx, rule.dari)} {tanggal_indonesia(start)} {between[1]} "
                f"{_label(ctx, rule.sampai)} {tanggal_indonesia(end)}")
        facts.append(fact)
        return None if rule.within(days) else f"{fact}, syarat {_count_text(rule)} {unit}"

    result = _per_item(ctx, rule, check, "")
    if result.status == OK and not result.pesan:
        # one pair of dates: the count says what was checked; one per person (heirs' birth dates): a
        # paragraph of day counts helps nobody at the desk, the count of people does
        told = facts[0] if len(facts) == 1 else f"{len(facts)} orang, semuanya sesuai" if facts else "tidak ada isian"
        result.pesan = f"{told} (syarat {_count_text(rule)} {unit})"
    return result


def _hari_kerja(ctx: Context, rule: WorkdayRule) -> RuleResult:
    calendar = ctx.calendar()
    calendar.unofficial_used.clear()
    result = _span(ctx, rule, calendar.workdays_between, "hari kerja", ("di antara", "dan"))
    note = calendar.warning()
    if note:
        result.pesan = f"{result.pesan} (peringatan: {note})"
    return result


def _hari(ctx: Context, rule: DayRule) -> RuleResult:
    return _span(ctx, rule, lambda start, end: (end - start).days, "hari", ("dari", "sampai"))


def _jumlah(ctx: Context, rule: CountRule) -> RuleResult:
    items = ctx.data.get(rule.daftar) or []
    count = len(items)
    what = _label(ctx, rule.daftar)
    fact = f"{count} {what}"
    if rule.within(count):
        return RuleResult(rule.kode, rule.nama, OK, f"{fact} (syarat {_count_text(rule)})")
    return _finish(ctx, rule, [f"baru {fact}, syarat {_count_text(rule)}"], "")


def _berbeda(ctx: Context, rule: DistinctRule) -> RuleResult:
    own_code = split_ref(rule.kolom)[1]
    taken: dict[str, str] = {}  # value -> whose ("milik saksi ke-1 (..)", "nomor KK ahli waris ke-2 (..)")
    for ref in rule.bukan:
        list_code, code = split_ref(ref)
        sources = ([(i, item) for i, item in enumerate(ctx.data.get(list_code) or []) if isinstance(item, dict)]
                   if list_code else [(0, {})])
        for index, item in sources:
            try:
                value = str(_value(ctx, ref, item)).strip().casefold()
            except _Skip:
                continue
            if not list_code:
                whose = _label(ctx, ref)
            else:  # the same field of another person, or another field (a NIK against the KK numbers)
                person = _item_label(ctx, list_code, index, item)
                whose = f"milik {person}" if code == own_code else f"{_label(ctx, ref)} {person}"
            taken.setdefault(value, whose)
    what = _label(ctx, rule.kolom)

    def check(item: dict[str, Any]) -> str | None:
        value = str(_value(ctx, rule.kolom, item)).strip().casefold()
        if value in taken:
            return f"{what} sama dengan {taken[value]}"
        return None

    return _per_item(ctx, rule, check, f"{what} berbeda dari {', '.join(_label(ctx, r) for r in rule.bukan)}")


def _desa(ctx: Context, rule: DesaRule) -> RuleResult:
    known = {name.casefold(): name for name in ctx.desa}

    def check(item: dict[str, Any]) -> str | None:
        value = str(_value(ctx, rule.kolom, item)).strip()
        if value.casefold() in known:
            return None
        return f"'{value}' bukan desa/kelurahan di Kecamatan {ctx.kecamatan}"

    return _per_item(ctx, rule, check, f"{_label(ctx, rule.kolom)} di Kecamatan {ctx.kecamatan}")


def _wajib_bila(ctx: Context, rule: ConditionalRule) -> RuleResult:
    wanted = {v.casefold() for v in rule.salah_satu}

    def check(item: dict[str, Any]) -> str | None:
        value = str(_value(ctx, rule.kolom, item)).strip()
        return f"{_label(ctx, rule.kolom)} '{value}'" if value.casefold() in wanted else None

    return _per_item(ctx, rule, check, "tidak berlaku")


_KINDS: dict[type, Callable[[Context, Any], RuleResult]] = {
    NikRule: _nik, AgeRule: _umur, WorkdayRule: _hari_kerja, DayRule: _hari, CountRule: _jumlah,
    DistinctRule: _berbeda, DesaRule: _desa, ConditionalRule: _wajib_bila,
}


def _applies(ctx: Context, rule: _Rule) -> str | None:
    """None when the rule applies; otherwise why not (its ``bila`` condition is not met)."""
    if rule.bila is None:
        return None
    try:
        value = str(_value(ctx, rule.bila.kolom, None)).strip()
    except _Skip:
        return f"tidak berlaku: {_label(ctx, rule.bila.kolom)} kosong"
    if value.casefold() in {v.casefold() for v in rule.bila.salah_satu}:
        return None
    return f"tidak berlaku: {_label(ctx, rule.bila.kolom)} '{value}'"


def evaluate_rules(ctx: Context) -> list[RuleResult]:
    out = []
    for rule in ctx.service.aturan:
        skipped = _applies(ctx, rule)
        out.append(RuleResult(rule.kode, rule.nama, OK, skipped) if skipped else _KINDS[type(rule)](ctx, rule))
    return out
