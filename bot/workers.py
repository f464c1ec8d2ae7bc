"""Which sender holds a lease, and whether it is gone: the outbox's crash recovery on one host.

A worker id is `host:pid:process:instance`. Another sender on the same host can tell for certain
that a worker is dead (its process is gone, or its pid now belongs to a later process); leases of
workers on other hosts are left to expire (`domain.outbox.LEASE`).
"""

from __future__ import annotations

import os
import socket
import uuid

HOST = socket.gethostname()[:30]
PROCESS = uuid.uuid4().hex[:8]  # tells this process from an earlier one that had the same pid


def worker_id(instance: object) -> str:
    """`host:pid:process:instance`: enough for another sender on this host to tell if it is gone."""
    return f"{HOST}:{os.getpid()}:{PROCESS}:{id(instance):x}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"  # a zombie is dead, only unreaped
    except (OSError, IndexError):
        return True


def worker_is_dead(worker: str) -> bool:
    """True only when certain: a worker of this host whose process is gone (or was an earlier life of
    this pid). Workers of other hosts are left to their lease."""
    parts = worker.split(":")
    if len(parts) != 4 or parts[0] != HOST or not parts[1].isdigit():
        return False
    pid, process = int(parts[1]), parts[2]
    if process == PROCESS:
        return False  # another sender of this very process
    if pid == os.getpid():
        return True  # this pid, but an earlier process (a restarted container reuses its pid)
    return not _pid_alive(pid)
