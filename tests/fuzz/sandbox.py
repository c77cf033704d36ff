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


def _read_exact(fd: int, n: int, deadline: float) -> bytes | None:
    """n bytes from fd, or None at end of file; raises TimeoutError past the deadline."""
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return None
            buf += chunk
    return buf


def call_many(fns: list[Callable[[], Any]], timeout: float) -> list[tuple[str, Any]]:
    """`call` for each function, but one child runs them in turn (a fork per function costs
    more than a small mutant): a child that dies or hangs is replaced for the rest."""
    results: list[tuple[str, Any]] = []
    while len(results) < len(fns):
        start = len(results)
        sys.stdout.flush()
        sys.stderr.flush()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            out = os.fdopen(w, "wb")
            for fn in fns[start:]:
                try:
                    data = pickle.dumps(("ok", fn()))
                except BaseException:  # noqa: BLE001 - reported to the parent
                    data = pickle.dumps(("error", traceback.format_exc()))
                out.write(len(data).to_bytes(8, "little") + data)
                out.flush()
            out.close()
            os._exit(0)
        os.close(w)
        failed: tuple[str, Any] | None = None
        try:
            while len(results) < len(fns):
                deadline = time.monotonic() + timeout
                head = _read_exact(r, 8, deadline)
                if head is None:
                    break
                body = _read_exact(r, int.from_bytes(head, "little"), deadline)
                if body is None:
                    break
                results.append(pickle.loads(body))
        except TimeoutError:
            failed = ("hang", None)
            os.kill(pid, signal.SIGKILL)
        os.close(r)
        _, status = os.waitpid(pid, 0)
        if len(results) < len(fns) and failed is None:
            failed = ("died", signal.Signals(os.WTERMSIG(status)).name
                      if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}")
        if failed is not None and len(results) < len(fns):
            results.append(failed)
    return results
