"""Workspaces (desks) whose sakti.toml points at a PostgreSQL office role: what the pgops tests share.

A desk is the demo office's folder with ``[register] url`` naming the role (no password) and
``berkas_sandi`` a 0600 file holding it, as an office sets a desk up; the run's demo key is the camat's
when ``pki`` is given (letters can be signed).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from pg_server import Office

SECRET_FILE = "sandi-register"


def desk(root: Path, office: Office, pki: Any = None) -> Path:
    """A new workspace at ``root`` whose register is ``office``'s role; its folder."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    ws = create_workspace(root, DEMO_OFFICE)
    config = ws.root / "sakti.toml"
    text = config.read_text(encoding="utf-8")
    marker = "batas_tunggu_kunci = 30\n"
    assert marker in text
    config.write_text(text.replace(marker, f'{marker}url = "{office.url}"\nberkas_sandi = "{SECRET_FILE}"\n', 1),
                      encoding="utf-8")
    secret = ws.root / SECRET_FILE
    secret.write_text(office.password + "\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    if pki is not None:
        shutil.copy(pki.signer_p12, ws.root / "pki" / "camat.p12")
        shutil.copy(pki.root_cert, ws.root / "pki" / "demo-root.pem")
    return ws.root
