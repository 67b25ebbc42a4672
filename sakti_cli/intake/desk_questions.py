"""The desk's questions: ``sakti daftar KODE`` without ``--data`` asks each field of the SOP.

Each answer is checked as it is typed with the same check ``daftar --data`` makes of that field
(:func:`sakti_cli.intake.forms.clean_field`), so a bad NIK is asked again with the reason. The answers become
the same envelope a data file holds (``{"layanan", "isian", "berkas"}``) and go through the same
registration path. Questions go through a prompter (the CLI's reads the terminal; tests pass their
own), as ``sakti init`` does (:mod:`sakti_cli.office.setup`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sakti_cli.core.errors import SaktiError
from sakti_cli.core.id_format import mask_nik
from sakti_cli.intake.forms import clean_field
from sakti_cli.office.setup import Prompter, ask_until_valid
from sakti_cli.services.sop import FieldSpec, Service

YES, NO = ("y", "ya"), ("t", "tidak", "n")


class DeskPrompter(Prompter, Protocol):
    """A prompter that can also ask for a file path (the terminal's completes file names)."""

    def ask_file(self, label: str) -> str: ...


def _choices(spec: FieldSpec, desa: list[str]) -> list[str]:
    return list(spec.pilihan) if spec.jenis == "pilihan" else list(desa) if spec.jenis == "desa" else []


def _by_number(answer: str, choices: list[str]) -> str:
    """``2`` for the second choice; any other answer as typed."""
    if answer.isdigit() and choices and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1]
    return answer


def _ask_field(prompter: Prompter, spec: FieldSpec, desa: list[str], today: date, who: str = "") -> Any:
    """One field, asked until ``clean_field`` accepts it; None for an optional field left empty."""
    choices = _choices(spec, desa)
    if spec.keterangan:
        prompter.tell(f"  ({spec.keterangan})")
    if choices:
        prompter.tell("  " + "  ".join(f"{n}) {choice}" for n, choice in enumerate(choices, 1)))
    label = f"{who}{spec.label}"
    if spec.contoh:
        label += f" (contoh: {spec.contoh})"
    if choices:
        label += " [nomor atau teks]"
    if not spec.wajib:
        label += " (boleh kosong)"

    def problem(answer: str) -> str | None:
        try:
            clean_field(spec, _by_number(answer, choices), desa, today)
        except ValueError as exc:
            return str(exc)
        return None

    answer = ask_until_valid(prompter, label, None, problem, required=spec.wajib)
    return clean_field(spec, _by_number(answer, choices), desa, today) if answer else None


def _yes(prompter: Prompter, question: str) -> bool:
    answer = ask_until_valid(prompter, f"{question} (y/t)", None,
                             lambda a: None if a.lower() in YES + NO else "jawab y (ya) atau t (tidak)")
    return answer.lower() in YES


def _file_problem(service: Service, code: str, answer: str) -> str | None:
    """Why a typed path cannot be taken, checked now rather than after every answer is given: the
    checks ``daftar`` makes before copying (a readable file, within the SOP's size)."""
    from sakti_cli.register.applications import file_arg
    from sakti_cli.services.rules.berkas import intake_problem

    path = Path(answer).expanduser()
    try:
        req = file_arg(code, path, service)
    except SaktiError as exc:
        return exc.pesan
    requirement = service.requirement(req.kode)
    return intake_problem(path, requirement.ukuran_maks_kb if requirement else None)


def _ask_files(prompter: DeskPrompter, service: Service, code: str, who: str = "", most: int | None = None
               ) -> list[str]:
    """The paths of one requirement's files: empty = not now; several up to ``jumlah_maks`` (``most``)."""
    req = service.requirement(code)
    if req is None or req.asli:
        return []
    paths: list[str] = []
    limit = most or req.jumlah_maks
    while len(paths) < limit:
        nth = f" ke-{len(paths) + 1}" if limit > 1 else ""
        answer = prompter.ask_file(f"{who}Berkas {req.nama}{nth} (letak berkas; kosong = belum ada)").strip()
        if not answer:
            break
        problem = _file_problem(service, code, answer)
        if problem is not None:
            prompter.tell(f"Tidak diterima: {problem}.")
            continue
        paths.append(answer)
    return paths


def _list_size(service: Service, spec: FieldSpec) -> int:
    from sakti_cli.intake.form_sheet import list_size

    return list_size(service, spec.kode)


def _ask_list(prompter: DeskPrompter, service: Service, spec: FieldSpec, desa: list[str], today: date
              ) -> list[dict[str, Any]]:
    """A list of people, one at a time, up to the SOP's maximum."""
    limit = _list_size(service, spec)
    prompter.tell(f"{spec.label}: satu orang per giliran (paling banyak {limit}).")
    if not spec.wajib and not _yes(prompter, f"Isi {spec.label.lower()}?"):
        return []
    people: list[dict[str, Any]] = []
    while len(people) < limit:
        who = f"{spec.label} ke-{len(people) + 1}: "
        person: dict[str, Any] = {}
        for item_spec in spec.butir:
            value = _ask_field(prompter, item_spec, desa, today, who)
            if value is not None:
                person[item_spec.kode] = value
        # a person's file is named in their item, one per requirement (see checks.check_item_requirement)
        files = {req.kode: paths[0] for req in spec.persyaratan
                 if (paths := _ask_files(prompter, service, f"{spec.kode}.{req.kode}", who, 1))}
        if files:
            person["berkas"] = files
        people.append(person)
        if len(people) < limit and not _yes(prompter, f"Tambah {spec.label.lower()} lagi?"):
            break
    return people


def _shown(spec: FieldSpec | None, value: Any) -> str:
    if spec is not None and spec.jenis in ("nik", "kk"):
        return mask_nik(str(value))
    return str(value)


def _label(spec: FieldSpec | None, code: str) -> str:
    return spec.label if spec is not None else code


def summary(service: Service, envelope: dict[str, Any]) -> list[str]:
    """The lines shown before confirming: labels and values, NIK/KK masked, files by code."""
    lines = [f"Ringkasan permohonan {service.nama}:"]
    fields = envelope["isian"]
    for spec in service.isian:
        value = fields.get(spec.kode)
        if value is None:
            continue
        if spec.jenis != "daftar":
            lines.append(f"  {spec.label}: {_shown(spec, value)}")
            continue
        for n, person in enumerate(value, 1):
            shown = ", ".join(f"{_label(spec.item(k), k)}: {_shown(spec.item(k), v)}"
                              for k, v in person.items() if k != "berkas")
            lines.append(f"  {spec.label} ke-{n}: {shown}")
            lines += [f"    berkas {code}: {path}" for code, path in (person.get("berkas") or {}).items()]
    for code, paths in envelope["berkas"].items():
        lines += [f"  Berkas {code}: {path}" for path in paths]
    if not envelope["berkas"]:
        lines.append("  Berkas: belum ada (lampirkan nanti dengan 'sakti lengkapi')")
    if envelope.get("asli"):
        lines.append(f"  Asli diperlihatkan: {', '.join(envelope['asli'])}")
    return lines


def ask_application(service: Service, desa: list[str], today: date, prompter: DeskPrompter
                    ) -> dict[str, Any] | None:
    """The envelope of one application, asked field by field; None when the clerk stops (Ctrl-C,
    end of input) or does not confirm: nothing is registered then."""
    try:
        prompter.tell(f"Permohonan baru: {service.nama}. Jawab setiap pertanyaan; Ctrl-C membatalkan.")
        fields: dict[str, Any] = {}
        for spec in service.isian:
            if spec.jenis == "daftar":
                fields[spec.kode] = _ask_list(prompter, service, spec, desa, today)
            elif (value := _ask_field(prompter, spec, desa, today)) is not None:
                fields[spec.kode] = value
        files = {req.kode: paths for req in service.persyaratan if (paths := _ask_files(prompter, service, req.kode))}
        envelope: dict[str, Any] = {"layanan": service.kode, "isian": fields, "berkas": files}
        seen = [req.kode for req in service.persyaratan
                if req.asli and _yes(prompter, f"{req.nama}: aslinya sudah diperlihatkan di loket?")]
        if seen:
            envelope["asli"] = seen
        for line in summary(service, envelope):
            prompter.tell(line)
        return envelope if _yes(prompter, "Daftarkan permohonan ini?") else None
    except (KeyboardInterrupt, EOFError):
        return None
