"""The bench's large registers: built once per builder version, kept under ``.bench-cache/``, restored per run.

One build makes four registers from two generated ones (register_growth.Generated: one stream of months per
size, written by every backend's writer): TinyDB at the small and the large size (the large one with every
letter's small, real PDF, so ``register periksa`` hashes what an office's would) and PostgreSQL at both sizes,
two offices of one database of the bench's own durable server, loaded by COPY into tables stripped of their
indexes, constraints and triggers (register_growth_pg.FastLoad). The result goes to
``.bench-cache/<key>/<small>-<large>/``:

  tinydb-<n>/kantor/      a workspace with its register and letters
  pg/server/              the stopped cluster (data/, sandi): copied and started for each run
  pg/kantor-<n>/          each PostgreSQL office's desk
  bangun.json             what each register holds (samples, spare registrations, roles), written last

``<key>`` (:func:`cache_key`) follows the builder's and the register's code, so a change to either builds
anew. A run restores copies (:func:`restore`): the TinyDB registers copied (their PDFs hard-linked: nothing
writes them), the cluster copied and started; the run writes only to its copies.

    python bench/registers.py --kecil 1000 --besar 100000     # build into .bench-cache unless there already
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import register_growth  # noqa: E402
import register_growth_pg  # noqa: E402

BUILDER_VERSION = 2
"""Raised when what the builder writes changes in a way the files below do not show."""

KEYED = ("bench/registers.py", "bench/register_growth.py", "bench/register_growth_pg.py",
         "sakti_cli/register/tiny/registry.py", "sakti_cli/register/tiny/search_index.py",
         "sakti_cli/register/applications.py", "sakti_cli/register/letters.py", "sakti_cli/register/search.py",
         "sakti_cli/register/trail.py", "sakti_cli/register/tiny/history.py", "sakti_cli/register/pg/schema.py",
         "sakti_cli/office/workspace.py", "sakti_cli/core/text.py")
"""The code a cached register belongs to: the builders and the register's own modules."""


def cache_key() -> str:
    digest = hashlib.sha256(str(BUILDER_VERSION).encode())
    for name in KEYED:
        digest.update(name.encode() + b"\0" + (REPO / name).read_bytes())
    return digest.hexdigest()[:12]


def home(cache: Path, small: int, large: int) -> Path:
    return cache / cache_key() / f"{small}-{large}"


def cached(cache: Path, small: int, large: int) -> bool:
    return (home(cache, small, large) / "bangun.json").is_file()


def build(cache: Path, small: int, large: int, log: Any = print) -> dict[str, Any]:
    """Build the four registers into the cache (unless there already); returns bangun.json's content."""
    target = home(cache, small, large)
    meta = target / "bangun.json"
    if meta.is_file():
        return dict(json.loads(meta.read_text()))
    import pg_server

    if target.exists():
        shutil.rmtree(target)  # a build that died half-way
    target.mkdir(parents=True)
    began = time.perf_counter()
    os.environ["SAKTI_WAKTU"] = register_growth.NOW  # the builders' clock (init_workspace, the children)
    place = Path(tempfile.mkdtemp(prefix="sakti-pg-bangun-"))  # in /tmp: the postgres user must reach it
    try:
        server = register_growth_pg.start(place, register_growth_pg.LOADING)
        database = pg_server.new_database(server)
        plans = [register_growth_pg.Plan(size, f"bench{size}", target / "pg" / f"kantor-{size}",
                                         tiny_folder=target / f"tinydb-{size}" / "kantor", pdfs=size == large)
                 for size in (small, large)]
        built = register_growth_pg.build_registers(database, plans)
        with database.admin(autocommit=True) as conn:
            conn.execute("CHECKPOINT")
        register_growth_pg.halt(place)  # a clean shutdown: the copy starts without recovery
        shutil.move(str(place), str(target / "pg" / "server"))
    finally:
        register_growth_pg.stop(place)  # only if still there (a failed build)
    out: dict[str, Any] = {"versi": cache_key(), "basis_data": database.name, "detik_bangun": 0.0,
                           "tinydb": {}, "pg": {}}
    for size, item in zip((small, large), built, strict=True):
        for backend in ("tinydb", "pg"):
            entry = dict(item[backend])
            entry["kantor"] = str(Path(entry["kantor"]).relative_to(target))
            entry.pop("url", None)  # the socket folder is the run's own
            out[backend][str(size)] = entry
    out["detik_bangun"] = time.perf_counter() - began
    meta.write_text(json.dumps(out, indent=1))
    log(f"  (register {small:,} dan {large:,} surat, TinyDB dan PostgreSQL, dibangun dalam "
        f"{out['detik_bangun']:.0f} d, disimpan di {target})")
    return out


@dataclass
class Registers:
    """A run's copies: ``tinydb`` and ``pg`` map a size to what bench/register_growth's measuring takes (the
    workspace, samples, spare registrations; for PostgreSQL its URL and password too)."""

    tinydb: dict[int, dict[str, Any]]
    pg: dict[int, dict[str, Any]]
    place: Path  # the run's PostgreSQL server folder
    detik_salin: float

    def stop(self) -> None:
        register_growth_pg.stop(self.place)


def restore(cache: Path, small: int, large: int, scratch: Path) -> Registers:
    """Copies of the cached registers for this run, the PostgreSQL server started on its own copy."""
    began = time.perf_counter()
    source = home(cache, small, large)
    meta = json.loads((source / "bangun.json").read_text())
    tinydb: dict[int, dict[str, Any]] = {}
    for size_text, entry in meta["tinydb"].items():
        copy = scratch / f"tinydb-{size_text}"
        _copy_workspace(source / entry["kantor"], copy)
        tinydb[int(size_text)] = {**entry, "kantor": str(copy)}
    place = Path(tempfile.mkdtemp(prefix="sakti-pg-bench-"))
    subprocess.run(["cp", "-a", f"{source / 'pg' / 'server'}/.", str(place)], check=True)
    server = register_growth_pg.resume(place)
    pg: dict[int, dict[str, Any]] = {}
    for size_text, entry in meta["pg"].items():
        copy = scratch / f"pg-{size_text}"
        shutil.copytree(source / entry["kantor"], copy, symlinks=True)
        pg[int(size_text)] = {**entry, "kantor": str(copy), "url": server.url(meta["basis_data"], entry["peran"])}
    return Registers(tinydb, pg, place, time.perf_counter() - began)


def _copy_workspace(source: Path, target: Path) -> None:
    """The workspace copied, its letters' PDFs hard-linked (a run adds files beside them, never rewrites one);
    the register itself copied (its trail is appended to in place)."""
    letters = source / "data" / "surat"
    shutil.copytree(source, target, symlinks=True, ignore=lambda folder, _names: ["surat"]
                    if Path(folder) == source / "data" else [])
    if letters.is_dir():
        subprocess.run(["cp", "-al", str(letters), str(target / "data" / "surat")], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kecil", type=int, default=1000)
    parser.add_argument("--besar", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=REPO / ".bench-cache")
    args = parser.parse_args(argv)
    build(args.cache, args.kecil, args.besar, log=lambda text: print(text, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
