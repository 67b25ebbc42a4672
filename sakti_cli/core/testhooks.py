"""Named points where a test can kill the running process (``SAKTI_UJI_MATI=titik``).

Crash-safety tests need a real process to die at a precise step (after a reservation, in the
middle of a register write). Outside tests the variable is unset and this costs one dict lookup.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("SAKTI_UJI_MATI") == name:
        os.kill(os.getpid(), signal.SIGKILL)
