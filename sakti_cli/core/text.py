"""Text from outside (data fields, file names, codes) made safe to store and to show.

One home for the rules, reused by every reader of citizens' data (``--data``, imports):

- :func:`unsafe_character` finds what a data field may not hold: control characters (except tab and
  newline), bidi overrides and isolates, zero-width and other invisible format characters (Unicode
  category Cf), line/paragraph separators and lone surrogates. They hide or reorder what staff read
  ("RLO" turns ``gpj.exe`` round) and reach the terminal as commands (``ESC [2J`` clears it).
- :func:`normalise_text` gives the NFC form that is stored, so ``é`` typed two ways is one name.
- :func:`printable` is what the terminal gets: every such character shown as a visible escape.
- :func:`safe_file_name` is the stored name of an uploaded file: no folder, ASCII, no shell
  metacharacters, still readable (``KTP Siti (1).jpg`` -> ``KTP-Siti-1.jpg``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_ALLOWED_CONTROLS = frozenset("\t\n")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMES = {
    "\x1b": "ESC (kode terminal)", "\r": "CR (carriage return)", "\x00": "NUL",
    "\u202e": "RLO (pembalik arah teks)", "\u202d": "LRO (pemaksa arah teks)",
    "\u200b": "spasi lebar-nol", "\u200c": "ZWNJ (lebar-nol)", "\u200d": "ZWJ (lebar-nol)",
    "\u2060": "word joiner (lebar-nol)", "\ufeff": "BOM/ZWNBSP (lebar-nol)",
}  # fmt: skip
_FILE_NAME_MAX = 100
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _unsafe(char: str, allowed: frozenset[str] = _ALLOWED_CONTROLS) -> bool:
    return char not in allowed and unicodedata.category(char) in _UNSAFE_CATEGORIES


def describe_character(char: str) -> str:
    """``U+202E RLO (pembalik arah teks)``: a hidden character named so staff can find it."""
    code = f"U+{ord(char):04X}"
    kinds = {"Cc": "karakter kendali", "Cs": "surrogate tunggal (teks rusak)"}
    name = _NAMES.get(char) or kinds.get(unicodedata.category(char), "karakter tak terlihat")
    return f"{code} {name}"


def unsafe_character(text: str, allowed: frozenset[str] = _ALLOWED_CONTROLS) -> str | None:
    """The first character a data field may not hold, described; None when the text is clean. A one-line
    value (a name) passes ``allowed=frozenset()``: tab and newline are refused too."""
    for char in text:
        if _unsafe(char, allowed):
            return describe_character(char)
    return None


def normalise_text(text: str) -> str:
    """The stored form of a text: Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def printable(text: str, keep: frozenset[str] = _ALLOWED_CONTROLS) -> str:
    """``text`` for a terminal: each control, bidi, zero-width or separator character becomes a visible
    escape (``\\x1b``, ``\\u202e``); tab and newline stay."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        if _unsafe(char, keep):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def escape_json_text(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with the characters ``printable`` would escape
    written as ``\\uXXXX``: still the same JSON, but safe to print. (``json.dumps`` escapes only U+0000-
    U+001F; DEL, C1 controls, bidi and zero-width characters would reach the terminal.)"""
    if text.isascii() and "\x7f" not in text:
        return text
    return "".join(f"\\u{ord(c):04x}" if ord(c) > 0x7E and _unsafe(c) else c for c in text)


def safe_file_name(name: str, fallback: str = "berkas") -> str:
    """The name an uploaded file is stored and shown under: the last path part only, accents folded to
    ASCII, anything but letters, digits, ``.``, ``_`` and ``-`` turned into ``-``, no leading dot or dash,
    at most 100 characters (the extension kept)."""
    base = re.split(r"[\\/]", name)[-1]
    folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    clean = _NOT_IN_NAME.sub("-", folded)
    clean = re.sub(r"-{2,}", "-", clean).strip("-. ")
    clean = re.sub(r"-(?=\.)", "", clean)
    if len(clean) > _FILE_NAME_MAX:
        _stem, dot, ext = clean.rpartition(".")
        keep = ext[:10] if dot and len(ext) <= 10 else ""
        clean = clean[: _FILE_NAME_MAX - len(keep) - 1].rstrip("-.") + (f".{keep}" if keep else "")
    return clean or fallback


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def clean_email(text: str) -> str:
    """An e-mail address as typed (trimmed, lower-case domain), or ValueError: the form check of ``surel``."""
    text = text.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValueError(f"'{text}' bukan alamat surel yang sah (mis. nama@contoh.id)")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


# --- forgiving search of people's names ----------------------------------------------------------
# Old (van Ophuijsen / Soewandi) spellings still on KTPs and in families, each read as the EYD spelling,
# so "Djoko Soesilo" and "joko susilo" are one name; in a word that shows an old spelling, a plain j is
# the old y too ("Tjahja" = "Cahya"; "Jaya" alone stays). Old nj is new ny, but new spelling keeps nj
# too ("Panji" from "Pandji"): both are read as one (nj). Then doubled letters count once ("Muhammad" =
# "Muhamad"). Applied the same way to what is indexed and to what is typed: only consistency matters.
_OLD_SPELLINGS = (("dj", "J"), ("tj", "c"), ("sj", "sy"), ("oe", "u"), ("ch", "kh"))
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")


def search_word(word: str) -> str:
    """One word as searched: accents folded, lower case, old spellings read as new, doubled letters once."""
    folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii").lower()
    folded = _NOT_WORD.sub("", folded)
    modern = folded
    for old, new in _OLD_SPELLINGS:  # dj -> J for a moment: that j is a j, not an old y
        modern = modern.replace(old, new)
    if modern != folded:
        modern = modern.replace("j", "y")
    return _DOUBLED.sub(r"\1", modern.replace("J", "j").replace("ny", "nj"))


def search_words(text: str | None) -> list[str]:
    """The words of a name or place as searched (:func:`search_word`), in order; apostrophes and dots join
    (``Ma'ruf`` = ``Maruf``), other punctuation and any spacing separate."""
    joined = re.sub(r"['’`.]", "", text or "")
    return [w for w in (search_word(part) for part in re.split(r"[\W_]+", joined)) if w]


def search_terms(text: str | None) -> list[str]:
    """What a name is indexed under: its words and each pair of neighbours written together, so
    ``Abdul Rahman`` is found by ``abdulrahman`` (and, :func:`name_matches`, the other way round)."""
    words = search_words(text)
    pairs = [a + b for a, b in itertools.pairwise(words)]
    return list(dict.fromkeys(words + pairs))


def name_matches(query: str, name: str | None) -> bool:
    """Whether a name holds every word typed (in any order), or the typed words written together."""
    return terms_match(query, search_terms(name))


def terms_match(query: str, terms: list[str]) -> bool:
    """:func:`name_matches` against a name's stored :func:`search_terms` (an index entry)."""
    typed = search_words(query)
    known = set(terms)
    return bool(typed and known) and (all(word in known for word in typed) or "".join(typed) in known)
