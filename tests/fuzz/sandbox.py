"""Run a function in a forked child with a time limit: a crash of generated code (SIGFPE,
SIGSEGV) or a hang is reported instead of ending the campaign. Plain os.fork so that pool
workers (daemonic processes) may use it too."""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


def call(fn: Callable[[], Any], timeout: float) -> tuple[str, Any]:
    """('ok', value), ('error', traceback text), ('hang', None) or ('died', reason)."""
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's stack
        os.close(r)
        try:
            data = pickle.dumps(("ok", fn()))
        except BaseException:  # noqa: BLE001 - reported to the parent
            data = pickle.dumps(("error", traceback.format_exc()))
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    hung = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            hung = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(r)
    if hung:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if hung:
        return "hang", None
    if chunks:
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a truncated answer: the child died writing it
            pass
    if os.WIFSIGNALED(status):
        return "died", signal.Signals(os.WTERMSIG(status)).name
    return "died", f"exit {os.WEXITSTATUS(status)}"
