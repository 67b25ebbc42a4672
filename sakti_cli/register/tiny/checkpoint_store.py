"""Where a TinyDB register keeps the checkpoint of ``register periksa`` (register/checkpoint.py): one sealed
file, ``data/register/periksa.titik``. It is derived from checking the register, never part of it: backups and
restores leave it out (backup.py), and a register without one is simply checked in full.
"""

from __future__ import annotations

from pathlib import Path

from sakti_cli.core.errors import RegisterBusy
from sakti_cli.register.checkpoint import Checkpoint, Loaded, load, seal, seal_key

CHECKPOINT_FILE = "periksa.titik"


def checkpoint_key(root: Path) -> bytes:
    """The seal's key: the register's creation time (meta.json ``dibuat``), so a checkpoint of another
    register does not fit; a register copied whole (with its checkpoint) keeps it, and its files' new inodes
    are simply re-hashed."""
    from sakti_cli.register.tiny.engine import read_json

    try:
        meta = read_json(root / "meta.json")
        docs = list(meta.get("meta", {}).values()) if isinstance(meta, dict) else []
        created = str(docs[0].get("dibuat")) if docs and isinstance(docs[0], dict) else ""
    except Exception:  # a damaged meta.json is the check's finding; the checkpoint just does not fit
        created = ""
    return seal_key(f"tinydb|{created}")


def read_checkpoint(root: Path) -> Loaded:
    try:
        data = (root / CHECKPOINT_FILE).read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        return Loaded(invalid=f"tidak dapat dibaca: {exc.strerror}")
    return load(data, checkpoint_key(root))


def write_checkpoint(root: Path, checkpoint: Checkpoint, lock_timeout: float = 0) -> bool:
    """Store ``checkpoint`` atomically under the register's write lock (so two checks never interleave
    their temp file); False when the register is busy or not writable (the next check is then a full one
    or starts from the older checkpoint, which stays true)."""
    from sakti_cli.core.storage import atomic_write
    from sakti_cli.register.tiny.engine import locked

    try:
        with locked(root, lock_timeout, finish_journal=False):
            atomic_write(root / CHECKPOINT_FILE, seal(checkpoint, checkpoint_key(root)))
    except (RegisterBusy, OSError):
        return False
    return True
