"""Scratch folders of an issuance hold a rendered letter (personal data): those of dead processes go."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sakti_cli.core.scratch import sweep
from sakti_cli.register.places import WORK_PREFIX, make_work_dir


def test_dead_process_scratch_is_removed_live_one_kept(tmp_path: Path) -> None:
    mine = make_work_dir(tmp_path)
    child = subprocess.run([sys.executable, "-c",
                            f"from pathlib import Path; from sakti_cli.register.places import make_work_dir; "
                            f"held = make_work_dir(Path({str(tmp_path)!r})); held.release(); print(held.path)"],
                           capture_output=True, text=True, check=True)
    dead = Path(child.stdout.strip())
    (dead / "surat.docx").write_text("data pribadi")
    removed = sweep([(tmp_path, f"{WORK_PREFIX}*")])
    assert removed == [dead] and not dead.exists()
    assert mine.path.exists() and mine.path.stat().st_mode & 0o777 == 0o700
    mine.remove()
    assert not mine.path.exists()
