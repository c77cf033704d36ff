"""`sluice export FILE --sdfg OUT.sdfg` and `sluice import IN.sdfg -o OUT.sir`, the `.sdfg`
loader of the other commands, and `sluice.to_sdfg` / `sluice.from_sdfg`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from corpus_programs import CORPUS
from dace_helpers import dace_or_skip, networkx_compat
from test_sdfg_import import _scale

import sluice
import sluice.ir as ir
from sluice.cli import main


def _sir(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.sir"
    path.write_text(CORPUS[name].build().to_text())
    return path


def test_export_writes_the_sdfg_json(tmp_path, capsys):
    src, out = _sir(tmp_path, "gemm_maps"), tmp_path / "gemm.sdfg"
    assert main(["export", str(src), "--sdfg", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    written = json.loads(out.read_text())
    assert written == json.loads(json.dumps(CORPUS["gemm_maps"].build().to_sdfg_json()))
    assert written["type"] == "SDFG"


@pytest.mark.parametrize("argv, message", [
    (["export", "{src}", "--sdfg", "{tmp}/x.json"], "an SDFG file is named *.sdfg"),
    (["export", "{tmp}/missing.sir", "--sdfg", "{tmp}/x.sdfg"], "no such file"),
    (["export", "{src}", "--sdfg", "{tmp}/no/such/folder/x.sdfg"], "cannot write"),
    (["import", "{src}", "-o", "{tmp}/x.sir"], "is not an SDFG file"),
    (["import", "{tmp}/missing.sdfg", "-o", "{tmp}/x.sir"], "no such file"),
    (["import", "{sdfg}", "-o", "{tmp}/x.txt"], "written to a .sir file"),
    (["import", "{bad}", "-o", "{tmp}/x.sir"], "malformed SDFG JSON"),
])
def test_mistakes_are_sluice_errors(tmp_path, capsys, argv, message):
    src = _sir(tmp_path, "sum_wcr")
    sdfg = tmp_path / "scale.sdfg"
    sdfg.write_text(json.dumps(_scale()))
    bad = tmp_path / "bad.sdfg"
    bad.write_text('{"type": "SDFG", "nodes": 3}')
    argv = [a.format(src=src, tmp=tmp_path, sdfg=sdfg, bad=bad) for a in argv]
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_import_writes_ir_text_that_runs(tmp_path, capsys):
    sdfg, out = tmp_path / "scale.sdfg", tmp_path / "scale.sir"
    sdfg.write_text(json.dumps(_scale()))
    assert main(["import", str(sdfg), "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    program = ir.parse(out.read_text())
    assert program.structurally_equal(sluice.from_sdfg(sdfg))
    x, y, s = np.arange(4.0), np.zeros(4), np.zeros(1)
    ir.interpret(program, x, y, s)
    np.testing.assert_array_equal(y, 2 * x)
    # every other command reads .sdfg files too
    assert main(["check", str(sdfg)]) == 0
    assert main(["run", str(sdfg), "--target", "cpu", "-p", "N=3", "--inputs", "ones"]) == 0
    assert "2." in capsys.readouterr().out


def test_to_sdfg_loads_in_dace():
    dace = dace_or_skip()
    networkx_compat()
    sdfg = sluice.to_sdfg(CORPUS["jacobi_2d"].build())
    assert isinstance(sdfg, dace.SDFG)
    sdfg.validate()


def test_dace_reads_the_exported_file(tmp_path):
    dace = dace_or_skip()
    networkx_compat()
    src, out = _sir(tmp_path, "branch_on_data"), tmp_path / "b.sdfg"
    assert main(["export", str(src), "--sdfg", str(out)]) == 0
    dace.SDFG.from_file(str(out)).validate()


def test_the_example_made_by_dace_computes_what_its_source_computes():
    program = sluice.from_sdfg(Path(__file__).parents[2] / "examples" / "sdfg"
                               / "axpy_steps.sdfg")

    def source(x, y, a, steps):  # (examples/sdfg/README.md)
        for t in range(steps):
            y[:] = a * x + y
            if t % 2 == 0:
                x[1:] = 0.5 * (x[1:] + x[:-1])

    rng = np.random.default_rng(4)
    for n, steps in ((7, 5), (1, 3), (4, 0)):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        ours = [x.copy(), y.copy(), -1.5, steps]
        source(x, y, -1.5, steps)
        ir.interpret(program, *ours)
        np.testing.assert_array_equal(ours[0], x)
        np.testing.assert_array_equal(ours[1], y)


def test_our_own_export_comes_back_and_an_edited_one_is_refused(tmp_path, capsys):
    from sluice.interop.sdfg_roundtrip import round_trip_equal
    from sluice.ir.text import parse

    src, out = _sir(tmp_path, "jacobi_2d"), tmp_path / "j.sdfg"
    assert main(["export", str(src), "--sdfg", str(out)]) == 0
    assert main(["import", str(out), "-o", str(tmp_path / "j.sir")]) == 0
    back = parse((tmp_path / "j.sir").read_text())
    assert round_trip_equal(back, CORPUS["jacobi_2d"].build())
    js = json.loads(out.read_text())
    tasklet = next(n for s in _states(js) for n in s["nodes"]
                   if n["type"] == "Tasklet" and n["label"] == "stencil")
    tasklet["attributes"]["code"]["string_data"] += "\n// tuned"
    out.write_text(json.dumps(js))
    capsys.readouterr()
    assert main(["import", str(out), "-o", str(tmp_path / "j2.sir")]) == 1
    err = capsys.readouterr().err
    assert "Tasklet 'stencil'" in err and "edited after sluice exported it" in err
    assert "Traceback" not in err


def _states(cfg: dict):
    for b in cfg.get("nodes", []):
        if b["type"] == "SDFGState":
            yield b
        else:
            yield from _states(b)
