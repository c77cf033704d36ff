"""User text never becomes C++: labels and names reach the generated source only inside
comments, escaped (a newline in a map label used to end its `//` comment)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sluice.ir as ir
from sluice.backends.cpu import build, generate

PAYLOAD = 'system("touch /tmp/sluice-pwned"); int sl_injected = 1;'
HOSTILE = [
    f"x\n{PAYLOAD} //",
    f"x\r\n{PAYLOAD}",
    f"*/ {PAYLOAD} /*",
    f'"; {PAYLOAD} //',
    f"x\\\n{PAYLOAD}",
    f"x\x00\n{PAYLOAD}",
    f"x\u2028{PAYLOAD}",
]


def _program(label: str) -> ir.Program:
    lab = json.dumps(label)
    return ir.parse(f"""program evil(A) {{
  symbol N: int64
  data A: float64[N]
  state {'s'} {{
    %0 = access A
    %1 = map [i = 0:N] default {lab} {{
      %2 = access A
      %3 = tasklet {lab} (a) -> (o) {{
        o = a + 1.0
      }}
      %4 = access A
      %2 -> %3.a : A[i]
      %3.o -> %4 : A[i]
    }}
    %5 = access A
    %0 -> %1 : A[0:N]
    %1 -> %5 : A[0:N]
  }}
}}
""")


@pytest.mark.parametrize("label", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_labels_stay_inside_one_comment_line(label):
    src = generate(_program(label), {"pipeline": None})
    for line in src.splitlines():
        if "sl_injected" in line:
            code = line.split("//", 1)[0]
            assert "sl_injected" not in code, line
            assert not line.rstrip().endswith("\\"), line  # would continue the comment
    assert "\x00" not in src and "\r" not in src and "\u2028" not in src


def test_hostile_label_compiles_and_runs_as_written():
    label = "".join(HOSTILE)
    fn = build(_program(label), {"pipeline": None})
    a = np.arange(5.0)
    fn(a)
    np.testing.assert_array_equal(a, np.arange(5.0) + 1.0)


def test_sluice_run_does_not_execute_a_label(tmp_path, capsys):
    from sluice.cli import main

    marker = tmp_path / "pwned"
    label = f'x\nstatic int sl_pwn = system("touch {marker}"); //'
    src = tmp_path / "evil.sir"
    src.write_text(_program(label).to_text())
    assert main(["run", str(src), "--target", "cpu", "-p", "N=4", "--inputs", "ones"]) == 0
    assert not marker.exists()
