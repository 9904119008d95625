"""The dbt that a run starts (`clauses-dbt`, a console script): it dies with the run, and the next writer waits
for it to be gone.

Killed with SIGKILL, `clauses run` cannot stop its children: the kernel does it for us (PR_SET_PDEATHSIG), and
the shared lock this process holds on warehouse/.ecrivains.lock until it exits keeps the next run's writers
waiting (assets/lock.py) until the last of its writes is over.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1
WRITERS_LOCK = ".ecrivains.lock"


def warehouse_dir(argv: list[str]) -> Path | None:
    """The warehouse folder, from the `--vars` the run passes to dbt (build_db is <warehouse>/build/…)."""
    if "--vars" not in argv or argv.index("--vars") + 1 >= len(argv):
        return None
    build_db = json.loads(argv[argv.index("--vars") + 1]).get("build_db")
    return Path(build_db).parent.parent if build_db else None


def main() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the run died before the line above: do not start writing on its behalf
        sys.exit("clauses-dbt : le passage qui l'a lancé est déjà arrêté")
    folder = warehouse_dir(sys.argv)
    if folder is not None:
        lock = os.open(folder / WRITERS_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(lock, fcntl.LOCK_SH)
        os.set_inheritable(lock, True)  # kept across exec: held by dbt itself until it exits
    dbt = str(Path(sys.executable).with_name("dbt"))
    os.execv(dbt, [dbt, *sys.argv[1:]])
