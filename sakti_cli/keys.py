"""Opening the signatory's key. The passphrase comes from the environment variable the config
names or from a prompt the CLI supplies: never from argv, never logged (UU ITE Pasal 11: the
signing data stays under the signatory's control)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sakti_cli.errors import ConfigError, EnvironmentProblem, SigningKeyError
from sakti_cli.office import Signatory, Workspace

PassphrasePrompt = Callable[[str], str | None]


def passphrase_variable(ws: Workspace, signatory: Signatory) -> str:
    return signatory.kunci.variabel_sandi or ws.config.tte.variabel_sandi


def get_passphrase(ws: Workspace, signatory: Signatory, prompt: PassphrasePrompt | None) -> bytes:
    variable = passphrase_variable(ws, signatory)
    value = os.environ.get(variable)
    if value:
        return value.encode()
    typed = prompt(f"Sandi kunci {signatory.jabatan} ({signatory.nama})") if prompt else None
    if typed is None:
        raise EnvironmentProblem(
            f"Sandi kunci penandatangan '{signatory.id}' dibutuhkan, tetapi tidak ada terminal untuk "
            f"mengetiknya dan variabel {variable} tidak diisi.",
            saran=f"Jalankan di terminal agar penandatangan mengetik sandinya, atau isi variabel {variable}.",
        )
    return typed.encode()


def key_file(ws: Workspace, signatory: Signatory) -> Path:
    if signatory.kunci.jenis != "pkcs12":
        raise ConfigError(
            f"Sumber kunci '{signatory.kunci.jenis}' untuk penandatangan '{signatory.id}' belum didukung.",
            saran="Pakai kunci = { jenis = \"pkcs12\", berkas = \"...\" }.",
        )
    if not signatory.kunci.berkas:
        raise ConfigError(f"Penandatangan '{signatory.id}' belum punya berkas kunci di sakti.toml.")
    path = ws.path(signatory.kunci.berkas)
    if not path.is_file():
        raise SigningKeyError(
            f"Berkas kunci {path} untuk penandatangan '{signatory.id}' tidak ada.",
            saran="Periksa [[penandatangan]].kunci.berkas di sakti.toml.",
        )
    return path


def open_signer(ws: Workspace, signatory: Signatory, prompt: PassphrasePrompt | None, at: datetime
                ) -> tuple[Any, list[str]]:
    """Load the key and check its certificate now, before any number is reserved."""
    from sakti_cli.sign import check_certificate, load_pkcs12_signer

    path = key_file(ws, signatory)
    signer = load_pkcs12_signer(path, get_passphrase(ws, signatory, prompt))
    warnings = check_certificate(signer, at)
    return signer, warnings
