"""The paths of a BSrE gateway (``kunci.jalur`` in sakti.toml), so a regional gateway that serves the service
on other paths is used without a code change.

``kunci.jalur = { pdf = "/...", hash = "/...", status = "/...", verify = "/..." }`` is optional per signatory;
each route not named keeps its default (:data:`sakti_cli.signatures.bsre.ROUTES`). A path is appended to
``kunci.url``, so it must be a path only: it starts with "/", and carries no scheme, no host ("//..."), no
".." (also not percent-encoded), no backslash, no spaces or control characters (:func:`path_problem`, checked
when sakti.toml is read). A route name that is not known is a :class:`ConfigError` naming it
(:func:`resolve_routes`). ``kantor periksa`` warns of a path that is allowed but looks wrong
(:func:`suspicious_paths`).

This module imports nothing of sakti but core, so sakti.toml's model can use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sakti_cli.core.errors import ConfigError

_ENCODED_DOT = re.compile(r"%2e", re.IGNORECASE)


def path_problem(path: str) -> str | None:
    """Why ``path`` cannot be a gateway path (Indonesian), or None when it can."""
    if not isinstance(path, str) or not path.startswith("/"):
        return "harus berawal \"/\" (jalur saja, mis. \"/api/v2/sign/pdf\")"
    if path.startswith("//") or "://" in path or re.match(r"^/?[A-Za-z][A-Za-z0-9+.-]*:", path):
        return "memuat skema atau nama server; tulis alamat server di kunci.url, di sini jalurnya saja"
    if ".." in _ENCODED_DOT.sub(".", path).split("?")[0].replace("\\", "/"):
        return "memuat \"..\" (keluar dari jalur gerbang)"
    if "\\" in path or "@" in path:
        return "memuat \"\\\" atau \"@\""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "memuat spasi atau karakter kendali"
    return None


def resolve_routes(defaults: Mapping[str, str], custom: Mapping[str, str] | None, who: str) -> dict[str, str]:
    """The route name -> path table of one signatory: ``defaults`` with ``custom`` (``kunci.jalur``) over it.
    A name not in ``defaults`` or a bad path is a ConfigError naming it."""
    routes = dict(defaults)
    for name, path in (custom or {}).items():
        if name not in defaults:
            raise ConfigError(f"kunci.jalur penandatangan '{who}' memuat rute '{name}' yang tidak dikenal.",
                              saran=f"Rute yang dikenal: {', '.join(sorted(defaults))}. Hapus atau perbaiki "
                                    f"nama '{name}' di sakti.toml.", kode_temuan="BSRE_JALUR")
        problem = path_problem(path)
        if problem is not None:
            raise ConfigError(f"kunci.jalur.{name} penandatangan '{who}' ({path!r}) {problem}.",
                              saran="Tulis jalur gerbang BSrE pemda yang benar, mis. \"/api/v2/sign/pdf\".",
                              kode_temuan="BSRE_JALUR")
        routes[name] = path
    return routes


def suspicious_paths(defaults: Mapping[str, str], routes: Mapping[str, str]) -> list[str]:
    """Allowed paths that look wrong, in words: a query or fragment, an empty segment ("//"), one path for
    two routes, or a route sent to another route's default path (swapped names)."""
    found = []
    for name, path in sorted(routes.items()):
        if "?" in path or "#" in path:
            found.append(f"jalur {name} {path} memuat '?' atau '#'")
        if "//" in path:
            found.append(f"jalur {name} {path} memuat '//' (segmen kosong)")
        others = [other for other, value in routes.items() if other != name and value == path]
        if others and name < min(others):
            found.append(f"jalur {name} dan {', '.join(sorted(others))} sama: {path}")
        swapped = [other for other, value in defaults.items() if other != name and value == path]
        if swapped and path != defaults.get(name):
            found.append(f"jalur {name} {path} adalah jalur bawaan rute {swapped[0]}")
    return found
