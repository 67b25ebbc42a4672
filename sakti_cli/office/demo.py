"""``sakti demo``: a workspace with a demo PKI, the example SKTM application, issued and verified.

The example files follow one convention, ``contoh/<layanan>/pemohon.json`` plus one file per
requirement named by its code (``ktp.jpg``, ``kk.jpg``...), so every service's example runs the same way.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.clock import now
from sakti_cli.core.errors import NotFound
from sakti_cli.core.resources import bundled_dir
from sakti_cli.office.workspace import (
    CONFIG_NAME,
    EXAMPLE_OFFICE,
    OfficeSetup,
    Workspace,
    create_workspace,
    find_workspace,
    make_private,
)
from sakti_cli.register.applications import FileArg
from sakti_cli.services.sop import Service

if TYPE_CHECKING:
    from sakti_cli.services.rules.kalender import Calendar

DEMO_PASSPHRASE = "demo"


def _demo_office() -> OfficeSetup:
    """The example office whose camat key is the office's demo seal (``sifat = "segel"``, certificate
    CN "Kecamatan Arut Selatan (DEMO)"): ``sakti demo``, the benchmarks and the tests sign unattended
    (``SAKTI_SANDI=demo``) without a person's key being unlocked from a variable."""
    from dataclasses import replace

    camat, *others = EXAMPLE_OFFICE.penandatangan
    return replace(EXAMPLE_OFFICE, penandatangan=(replace(camat, sifat="segel"), *others))


DEMO_OFFICE = _demo_office()


def example_dir(name: str) -> Path:
    folder = bundled_dir("contoh") / name
    if not (folder / "pemohon.json").is_file():
        raise NotFound(f"Contoh '{name}' tidak ada di {bundled_dir('contoh')}.",
                       saran="Lihat kode layanan yang ada dengan 'sakti layanan'.")
    return folder


def example_application(service: Service, name: str | None = None, today: date | None = None,
                        calendar: Calendar | None = None) -> tuple[dict[str, Any], list[FileArg]]:
    """An example's data and files; with ``today``, its dates moved to fit that day (see ``tanggal.json``)."""
    folder = example_dir(name or service.kode)
    data = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
    if today is not None:
        data = dated_example(folder, data, today, calendar)
    codes = {req.kode for req in service.persyaratan}
    files = [FileArg(path.stem, path) for path in sorted(folder.iterdir())
             if path.is_file() and path.stem in codes]
    return data, files


def write_example(name: str, target: Path, today: date, calendar: Calendar | None) -> Path:
    """Copy example ``name`` to ``target`` with its dates fitted to ``today`` (``sakti contoh``)."""
    folder = example_dir(name)
    if target.exists() and any(target.iterdir()):
        from sakti_cli.core.errors import StateConflict

        raise StateConflict(f"Folder {target} sudah berisi berkas.", saran="Pilih folder baru atau kosong.")
    from sakti_cli.core.storage import check_writable_folder

    existing = next(folder for folder in target.absolute().parents if folder.exists())  # missing ones are made
    check_writable_folder(existing, f"contoh {target.name}")
    target.mkdir(parents=True, exist_ok=True)
    data = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in ("pemohon.json", "tanggal.json"):
            shutil.copyfile(path, target / path.name)
    written = target / "pemohon.json"
    written.write_text(json.dumps(dated_example(folder, data, today, calendar), ensure_ascii=False, indent=2)
                       + "\n", encoding="utf-8")
    return written


def example_names() -> list[str]:
    root = bundled_dir("contoh")
    return sorted(p.name for p in root.iterdir() if (p / "pemohon.json").is_file())


def _shift(day: date, spec: dict[str, int], calendar: Calendar | None) -> date:
    if "hari_kerja" in spec:
        if calendar is None:
            raise ValueError("hari_kerja needs the office calendar")
        step = 1 if spec["hari_kerja"] >= 0 else -1
        left = abs(spec["hari_kerja"])
        while left:
            day += timedelta(days=step)
            if calendar.is_workday(day):
                left -= 1
        return day
    return day + timedelta(days=spec["hari"])


def dated_example(folder: Path, data: dict[str, Any], today: date, calendar: Calendar | None) -> dict[str, Any]:
    """The example's event dates relative to ``today``, so it passes (or fails) the same way on any day.

    ``pemohon.json`` is written for the tests' fixed clock; ``tanggal.json`` beside it says where each
    event date lies from the registration day: ``{"tanggal_pengantar": {"hari": -6}}`` (calendar days) or
    ``{"tanggal_acara": {"hari_kerja": 20}}`` (working days of the office calendar). Dates of birth stay
    as they are: they must agree with the NIK.
    """
    spec_path = folder / "tanggal.json"
    if not spec_path.is_file():
        return data
    spec: dict[str, dict[str, int]] = json.loads(spec_path.read_text(encoding="utf-8"))
    moved = json.loads(json.dumps(data))
    fields = moved.get("isian", moved)
    for name, where in spec.items():
        fields[name] = _shift(today, where, calendar).isoformat()
    return moved


def install_demo_keys(ws: Workspace) -> Path:
    """A demo root and the office's demo seal, as the camat's PKCS#12 (passphrase 'demo'), where
    sakti.toml expects them."""
    from sakti_cli.signatures.pki import make_demo_pki

    pki_dir = ws.root / "pki"
    key = pki_dir / "camat.p12"
    if key.exists():
        return key
    # valid around both the office clock (SAKTI_WAKTU may move it) and the machine's, which signing checks
    office, machine = now(ws.zone), datetime.now(UTC)
    made = make_demo_pki(Path(tempfile.mkdtemp(dir=pki_dir)), DEMO_PASSPHRASE,
                         now=min(office, machine) - timedelta(days=1),
                         not_after=max(office, machine) + timedelta(days=730))
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
    ws = find_workspace(folder) if (folder / CONFIG_NAME).exists() else create_workspace(folder, DEMO_OFFICE)
    install_demo_keys(ws)
    return ws
