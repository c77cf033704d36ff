"""`.sir` text is untrusted input: numbers that generated code cannot hold and malformed
literals are diagnostics with a location or a verifier rule, never a hang or a traceback."""

from __future__ import annotations

import pytest

import sluice.ir as ir
from sluice.errors import SluiceSyntaxError, VerificationError


def _program(step: str = "1", index: str = "0", label: str = '"inc"',
             map_range: str = "0:N") -> str:
    return f"""program p(A) {{
  symbol N: int64
  symbol t: int64
  data A: float64[N]
  for t in range(0, N, {step}) {{
    state s {{
      %0 = access A
      %1 = map [i = {map_range}] default "m" {{
        %2 = access A
        %3 = tasklet {label} (a) -> (o) {{
          o = a + 1.0
        }}
        %4 = access A
        %2 -> %3.a : A[{index}]
        %3.o -> %4 : A[{index}]
      }}
      %5 = access A
      %0 -> %1 : A[0:N]
      %1 -> %5 : A[0:N]
    }}
  }}
}}
"""


def test_the_template_is_valid():
    ir.parse(_program()).verify()


@pytest.mark.parametrize(("step", "why"), [
    ("0.5", "not an integer"),
    ("2.0", "not an integer"),
    ("0", "zero"),
    ("9223372036854775808", "outside the int64 range"),
    ("-9223372036854775809", "outside the int64 range"),
    ("N / 0", "not a finite number"),
])
def test_loop_step_must_be_a_nonzero_int64(step, why):
    p = ir.parse(_program(step=step))
    with pytest.raises(VerificationError, match=why) as e:
        p.verify()
    assert e.value.rule == "control" and "loop 't'" in str(e.value)


@pytest.mark.parametrize(("index", "why"), [
    ("0.5", "not an integer"),
    ("i + 0.5", "non-integer constant 0.5"),
    ("i + 18446744073709551616", "outside the int64 range"),
])
def test_constant_indices_must_be_int64_integers(index, why):
    p = ir.parse(_program(index=index))
    with pytest.raises(VerificationError, match=why) as e:
        p.verify()
    assert e.value.rule == "bounds"


def test_map_ranges_must_be_int64_integers():
    p = ir.parse(_program(map_range="0:N:1.5"))
    with pytest.raises(VerificationError, match="not an integer") as e:
        p.verify()
    assert e.value.rule == "map"


def test_modulo_by_zero_is_located():
    with pytest.raises(SluiceSyntaxError, match="'%' by zero") as e:
        ir.parse(_program(step="N % 0"), filename="k.sir")
    loc = e.value.loc
    assert (loc.file, loc.line, loc.col) == ("k.sir", 5, 26)


@pytest.mark.parametrize("label", [r'"in\qc"', r'"\u12"', r'"\x41"'])
def test_invalid_escape_in_a_label_is_located(label):
    with pytest.raises(SluiceSyntaxError, match="invalid string") as e:
        ir.parse(_program(label=label), filename="k.sir")
    assert (e.value.loc.line, e.value.loc.col) == (10, 22)


def test_escapes_and_hostile_characters_in_labels_round_trip():
    p = ir.parse(_program(label=r'"a\nb\u0000\"\\*/"'))
    t = p.to_text()
    assert ir.parse(t).to_text() == t


@pytest.mark.parametrize(("dim", "why"), [
    ("2.5", "not an integer"),
    ("N + 0.5", "non-integer constant 0.5"),
    ("36893488147419103232", "outside the int64 range"),
    ("-3", "negative size -3"),
])
def test_shapes_must_be_nonnegative_int64_integers(dim, why):
    p = ir.parse(_program().replace("data A: float64[N]", f"data A: float64[{dim}]"))
    with pytest.raises(VerificationError, match=why) as e:
        p.verify()
    assert e.value.rule == "shape" and "data 'A'" in str(e.value)


def test_sluice_run_verifies_before_interpreting(tmp_path, capsys):
    from sluice.cli import main

    src = tmp_path / "p.sir"
    src.write_text(_program().replace("data A: float64[N]", "data A: float64[2**65]"))
    assert main(["run", str(src), "-p", "N=3"]) == 1
    err = capsys.readouterr().err
    assert "invalid IR: [shape]" in err and "internal error" not in err
