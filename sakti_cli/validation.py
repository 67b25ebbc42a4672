"""Readable Indonesian summaries of pydantic validation errors, naming each field path."""

from __future__ import annotations

from pydantic import ValidationError

_MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "kunci tidak dikenal",
    "literal_error": "nilai tidak termasuk pilihan",
    "string_type": "harus berupa teks",
    "int_type": "harus berupa bilangan bulat",
    "int_parsing": "harus berupa bilangan bulat",
    "bool_type": "harus true atau false",
    "list_type": "harus berupa daftar",
    "dict_type": "harus berupa tabel/objek",
    "greater_than": "terlalu kecil",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(akar)"


def validation_problems(exc: ValidationError) -> list[dict[str, str]]:
    problems = []
    for err in exc.errors():
        message = _MESSAGES.get(err["type"])
        if message is None or err["type"] == "literal_error":
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "literal_error":
                message = f"{_MESSAGES['literal_error']} ({message})"
        problems.append({"kolom": field_path(tuple(err["loc"])), "pesan": message})
    return problems


def describe_validation_error(exc: ValidationError) -> str:
    return "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in validation_problems(exc))
