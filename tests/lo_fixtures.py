"""Test helpers for LibreOffice, imported by conftest.py and test modules (not a test module itself)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

WARM_TIMEOUT = 300.0


def warm_profile(dir: Path) -> Path:
    """Create a LibreOffice profile once (by converting a tiny DOCX) and return its folder.

    The first start with an empty profile is the slow one; point ``SAKTI_LO_PROFIL`` at the
    returned folder and every Converter copies it instead. Idempotent: an existing profile in
    ``dir`` is reused.
    """
    import docx  # heavy, only needed here

    from sakti_cli.documents.convert import find_soffice

    dir = Path(dir)
    profile = dir / "lo-profil"
    if (profile / "user" / "registrymodifications.xcu").is_file():
        return profile
    work = dir / "lo-pemanasan"
    work.mkdir(parents=True, exist_ok=True)
    sample = work / "pemanasan.docx"
    document = docx.Document()
    document.add_paragraph("Pemanasan profil LibreOffice")
    document.save(str(sample))
    env = dict(os.environ)
    if not os.access(env.get("HOME", "/nonexistent"), os.W_OK):
        home = work / "home"
        home.mkdir(exist_ok=True)
        env["HOME"] = str(home)
    cmd = [
        find_soffice(),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf:writer_pdf_Export",
        "--outdir",
        str(work),
        str(sample),
    ]
    for _ in range(2):  # a first start may exit 81 ("restart") without converting
        subprocess.run(cmd, env=env, capture_output=True, timeout=WARM_TIMEOUT, check=False, start_new_session=True)
        if (work / "pemanasan.pdf").is_file():
            break
    if not (profile / "user").is_dir():
        raise RuntimeError(f"LibreOffice did not create a profile in {profile}")
    return profile
