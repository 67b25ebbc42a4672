"""Readable Indonesian summaries of pydantic validation errors, naming each field path."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

_MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "kunci tidak dikenal",
    "literal_error": "nilai tidak termasuk pilihan",
    "string_type": "harus berupa teks",
    "int_type": "harus berupa bilangan bulat",
    "int_parsing": "harus berupa bilangan bulat",
    "int_from_float": "harus berupa bilangan bulat",
    "bool_type": "harus true atau false",
    "list_type": "harus berupa daftar",
    "dict_type": "harus berupa tabel/objek",
    "greater_than": "terlalu kecil",
    "greater_than_equal": "paling kecil {ge}",
    "less_than": "terlalu besar",
    "less_than_equal": "paling besar {le}",
    "float_parsing": "harus berupa angka",
    "float_type": "harus berupa angka",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang (paling banyak {max_length} karakter)",
    "too_short": "terlalu sedikit",
    "too_long": "terlalu banyak",
    "string_pattern_mismatch": "bentuknya tidak sesuai",
    "enum": "nilai tidak termasuk pilihan",
    "model_type": "harus berupa tabel/objek",
}


class _Bounds(dict[str, Any]):
    """pydantic's error context for a message template; a bound it does not give reads as '?'."""

    def __missing__(self, key: str) -> str:
        return "?"


def field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(akar)"


def problem_message(err: Any) -> str:
    """One pydantic error in Indonesian: our own validators' text, or a message for its type (pydantic's
    English ``msg`` is never shown; an unknown type is named by its code)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " atau ")
        return f"{_MESSAGES['literal_error']} ({expected})" if expected else _MESSAGES["literal_error"]
    if kind.startswith(("date_", "datetime_")):
        return "bukan tanggal yang sah (tulis TTTT-BB-HH, mis. 2026-12-25)"
    message = _MESSAGES.get(kind)
    if message is None:
        return f"nilai tidak sah ({kind})"
    return message.format_map(_Bounds(ctx)) if "{" in message else message


def validation_problems(exc: ValidationError) -> list[dict[str, str]]:
    return [{"kolom": field_path(tuple(err["loc"])), "pesan": problem_message(err)} for err in exc.errors()]


def describe_validation_error(exc: ValidationError) -> str:
    return "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in validation_problems(exc))


def syntax_error_place(exc: BaseException) -> str:
    """Where a TOML, YAML or JSON parser stopped, in Indonesian ("baris 3 kolom 5"), from the exception's
    own attributes or (tomllib before Python 3.14) its message; the parser's English stays in ``detail``."""
    import re

    if isinstance(exc, UnicodeDecodeError):
        return f"bukan UTF-8 pada byte {exc.start}"
    if type(exc).__name__ == "YAMLError":  # PyYAML's bare base class is raised only by sakti, in its words
        return str(exc)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)  # PyYAML
    if mark is not None:
        return f"baris {mark.line + 1} kolom {mark.column + 1}"
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)  # json, tomllib >= 3.14
    if isinstance(line, int) and isinstance(column, int):
        return f"baris {line} kolom {column}"
    found = re.search(r"at line (\d+), column (\d+)", str(exc))
    if found:
        return f"baris {found.group(1)} kolom {found.group(2)}"
    return "di akhir berkas" if "end of document" in str(exc) else "penulisannya salah"


C_YAML_DEPTH = 200  # brackets, or indentation columns, that libyaml may nest: it composes recursively in C


def _shallow(text: str) -> bool:
    """Whether libyaml can compose ``text`` without recursing deeply in C (no RecursionError guards it there):
    few flow brackets and no deeply indented line. Anything else takes PyYAML's Python loader."""
    if text.count("[") + text.count("{") > C_YAML_DEPTH:
        return False
    return all(len(line) - len(line.lstrip(" -?")) <= C_YAML_DEPTH for line in text.splitlines())


def load_yaml_text(text: str) -> Any:
    """YAML as staff write it, with dates kept as text so that pydantic names a wrong one by its path
    (PyYAML's own date conversion fails on 2026-12-32 without saying where).

    Parsed by libyaml when it is there and the text is shallow (several times faster: ``sakti status`` reads
    an SOP and the calendar); a text libyaml refuses is parsed again by PyYAML's Python loader, so every
    syntax error is said, and placed, the same way whichever parser read the file first."""
    import yaml

    def loader(base: Any) -> Any:
        class Loader(base):
            pass

        Loader.yaml_implicit_resolvers = {
            key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        return Loader

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and _shallow(text):
        try:
            return yaml.load(text, Loader=loader(fast))
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return yaml.load(text, Loader=loader(yaml.SafeLoader))
    except RecursionError:  # PyYAML composes recursively: nesting this deep is no SOP a person wrote
        raise yaml.YAMLError("bersarang terlalu dalam (ratusan tingkat)") from None
