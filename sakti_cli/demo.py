"""``sakti demo``: a workspace with a demo PKI, the example SKTM application, issued and verified.

The example files follow one convention, ``contoh/<layanan>/pemohon.json`` plus one file per
requirement named by its code (``ktp.jpg``, ``kk.jpg``...), so every service's example runs the same way.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from sakti_cli.applications import FileArg
from sakti_cli.clock import now
from sakti_cli.errors import NotFound
from sakti_cli.office import CONFIG_NAME, Workspace, find_workspace, init_workspace, make_private
from sakti_cli.resources import bundled_dir
from sakti_cli.sop import Service

DEMO_PASSPHRASE = "demo"


def example_dir(name: str) -> Path:
    folder = bundled_dir("contoh") / name
    if not (folder / "pemohon.json").is_file():
        raise NotFound(f"Contoh '{name}' tidak ada di {bundled_dir('contoh')}.")
    return folder


def example_application(service: Service, name: str | None = None) -> tuple[dict[str, Any], list[FileArg]]:
    folder = example_dir(name or service.kode)
    data = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
    codes = {req.kode for req in service.persyaratan}
    files = [FileArg(path.stem, path) for path in sorted(folder.iterdir())
             if path.is_file() and path.stem in codes]
    return data, files


def install_demo_keys(ws: Workspace) -> Path:
    """A demo root and the camat's PKCS#12 (passphrase 'demo') where sakti.toml expects them."""
    from sakti_cli.pki import make_demo_pki

    pki_dir = ws.root / "pki"
    key = pki_dir / "camat.p12"
    if key.exists():
        return key
    made = make_demo_pki(Path(tempfile.mkdtemp(dir=pki_dir)), DEMO_PASSPHRASE,
                         signer_name="Camat Arut Selatan (DEMO)", now=now(ws.zone) - timedelta(days=1))
    shutil.move(str(made.root_cert), pki_dir / "demo-root.pem")
    shutil.move(str(made.signer_p12), key)
    shutil.move(str(made.crl), pki_dir / "demo-root.crl")
    shutil.rmtree(made.signer_p12.parent, ignore_errors=True)
    for path in pki_dir.iterdir():
        make_private(path)
    return key


def demo_workspace(folder: Path | None) -> Workspace:
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="sakti-demo-"))
    ws = find_workspace(folder) if (folder / CONFIG_NAME).exists() else init_workspace(folder)
    install_demo_keys(ws)
    return ws
