"""Scratch folders of an issuance hold a rendered letter (personal data): those of dead processes go."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sakti_cli.recovery import make_work_dir, remove_dead_work_dirs


def test_dead_process_scratch_is_removed_live_one_kept(tmp_path: Path) -> None:
    mine = make_work_dir(tmp_path)
    child = subprocess.run([sys.executable, "-c",
                            f"from pathlib import Path; from sakti_cli.recovery import make_work_dir; "
                            f"print(make_work_dir(Path({str(tmp_path)!r})))"], capture_output=True, text=True,
                           check=True)
    dead = Path(child.stdout.strip())
    (dead / "surat.docx").write_text("data pribadi")
    unrelated = tmp_path / "kerja-bukan-punya-kita"
    unrelated.mkdir()
    removed = remove_dead_work_dirs(tmp_path)
    assert removed == [dead] and not dead.exists()
    assert mine.exists() and unrelated.exists()
    assert mine.stat().st_mode & 0o777 == 0o700
