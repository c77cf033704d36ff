"""User mistakes leave the public API without sluice's internal frames (SLUICE_TRACEBACK=full
keeps them); sluice bugs and the user's own exceptions keep their tracebacks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import traceback
import types
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import ArgumentError, SluiceError, UnsupportedError
from sluice.tracebacks import HIDDEN_NOTE, TRACEBACK_VARIABLE, is_internal, user_api

ROOT = Path(__file__).resolve().parents[1]


def matmul_plus_one(A, B):
    return A @ B + 1.0


def unsupported(x):
    return x.no_such_attribute


def raises_value_error(x):
    raise ValueError("the user's own")


def _frames(err: BaseException) -> list[types.FrameType]:
    out, tb = [], err.__traceback__
    while tb is not None:
        out.append(tb.tb_frame)
        tb = tb.tb_next
    return out


def _internal(err: BaseException) -> list[types.FrameType]:
    return [f for f in _frames(err) if is_internal(f.f_code)]


def _call_with_bad_shapes() -> ArgumentError:
    f = sluice.jit(matmul_plus_one, target="interpret")
    with pytest.raises(ArgumentError) as info:
        f(np.ones((3, 2)), np.ones((3, 2)))
    return info.value


def test_a_bad_argument_shows_only_the_entry_point(monkeypatch):
    monkeypatch.delenv(TRACEBACK_VARIABLE, raising=False)
    err = _call_with_bad_shapes()
    internal = _internal(err)
    # only the entry point that re-raised it, marked for IPython and pytest to hide
    assert len(internal) == 1 and internal[0].f_locals.get("__tracebackhide__") is True
    assert any(f.f_code.co_filename == __file__ for f in _frames(err))
    assert err.__cause__ is None and err.__suppress_context__
    assert err.__notes__ == [HIDDEN_NOTE]
    assert "test_tracebacks.py" in str(err.loc) and "inner dimensions differ" in str(err)
    printed = "".join(traceback.format_exception(err))
    assert "runner.py" not in printed and "interpreter.py" not in printed


def test_full_tracebacks_keep_every_frame(monkeypatch):
    monkeypatch.setenv(TRACEBACK_VARIABLE, "full")
    err = _call_with_bad_shapes()
    assert len(_internal(err)) > 3
    assert not getattr(err, "__notes__", None)


def test_an_error_while_tracing_is_trimmed_too(monkeypatch):
    monkeypatch.delenv(TRACEBACK_VARIABLE, raising=False)
    f = sluice.jit(unsupported)
    with pytest.raises(UnsupportedError) as info:
        f.trace(np.ones(2))
    assert len(_internal(info.value)) == 1
    assert info.value.loc.line == unsupported.__code__.co_firstlineno + 1


def test_other_exceptions_keep_their_traceback(monkeypatch):
    monkeypatch.setenv("SLUICE_DISABLE_JIT", "1")  # the function runs as Python
    f = sluice.jit(raises_value_error)
    with pytest.raises(ValueError) as info:
        f(1.0)
    names = [fr.f_code.co_name for fr in _frames(info.value)]
    assert "raises_value_error" in names and len(_internal(info.value)) >= 2


def test_nested_entry_points_trim_once_and_note_once(monkeypatch):
    monkeypatch.delenv(TRACEBACK_VARIABLE, raising=False)

    @user_api
    def outer():
        return inner()

    @user_api
    def inner():
        raise SluiceError("a mistake")

    with pytest.raises(SluiceError) as info:
        outer()
    assert info.value.__notes__ == [HIDDEN_NOTE]
    # (this test's functions are not sluice's: only the two entry points are internal)
    assert len(_internal(info.value)) == 1


def test_a_spatial_kernel_argument_error_is_trimmed(monkeypatch):
    monkeypatch.delenv(TRACEBACK_VARIABLE, raising=False)
    k = sluice.load(ROOT / "examples" / "spada" / "axpy.sptl", {"W": 1, "H": 1, "N": 2})
    with pytest.raises(ArgumentError, match="no input 'x'") as info:
        k(x=np.ones((1, 1, 2)))
    assert len(_internal(info.value)) == 1


def test_ipython_shows_no_sluice_frame_at_all(tmp_path):
    pytest.importorskip("IPython")
    script = tmp_path / "session.py"
    script.write_text(textwrap.dedent('''
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        ip.run_cell("import numpy as np, sluice")
        ip.run_cell("""@sluice.jit(target="interpret")
        def f(A, B):
            return A @ B + 1.0
        """)
        ip.run_cell("f(np.ones((3, 2)), np.ones((3, 2)))")
    '''))
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=120)
    shown = out.stdout + out.stderr
    assert "ArgumentError" in shown and "inner dimensions differ" in shown, shown
    assert "cell In[" in shown and ", line 3, column 12: argument error" in shown
    assert "/sluice/" not in shown, shown
