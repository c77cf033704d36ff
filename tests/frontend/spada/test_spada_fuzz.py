"""Fuzz: mutated example kernels may be rejected, but only with a SluiceError."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.errors import SluiceError
from sluice.frontend.spada import bind, check, parse_source

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "spada"
SOURCES = {p.stem: p.read_text() for p in sorted(EXAMPLES.glob("*.sptl"))}
# Small parameters keep every mutant cheap to check.
PARAMS = {"W": 3, "H": 2, "N": 2, "M": 2, "K": 3, "L": 2, "P": 2, "T": 2, "PX": 2, "PY": 2,
          "RX": 0, "RY": 0}
TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_]*|\d+\.?\d*|//.*|<<|>>|[^\sA-Za-z0-9_]")
FRAGMENTS = ["{", "}", "(", ")", "[", "]", ",", ";", "\n", ":", "=", "+=", "-", "*", "/",
             "0", "1", "-1", "2.5", "x", "y", "k", "N", "W", "await", "send", "receive",
             "map", "foreach", "if", "else", "for", "phase", "awaitall", "completion c =",
             "async", "f32", "i16", "stream<f32>", "relative_stream(1, 0)", "true", "not",
             " if x > 0 else ", "place", "compute", "dataflow", "in", "..", "$", "/*", "*/"]


@st.composite
def mutants(draw) -> str:
    name = draw(st.sampled_from(sorted(SOURCES)))
    toks = TOKEN.findall(SOURCES[name])
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "insert", "swap", "char"]))
        i = draw(st.integers(0, len(toks) - 1))
        if op == "delete":
            del toks[i]
        elif op == "insert":
            toks.insert(i, draw(st.sampled_from(FRAGMENTS)))
        elif op == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        else:
            text = "".join(toks)
            pos = draw(st.integers(0, len(text) - 1))
            ch = draw(st.sampled_from(list("{}()[];:,=+-*/<>.0123456789xyk \n")))
            if draw(st.booleans()):
                text = text[:pos] + text[pos + 1:]
            else:
                text = text[:pos] + ch + text[pos:]
            toks = TOKEN.findall(text)
        if not toks:
            break
    return "".join(toks)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutants())
def test_mutants_fail_only_with_sluice_errors(text: str) -> None:
    try:
        kernel = parse_source(text, "mutant.sptl")
        wanted = {p.name for p in kernel.params}
        wanted |= {a.name for a in kernel.args if "compiletime" in a.annotations}
        check(bind(kernel, {n: PARAMS.get(n, 2) for n in wanted}))
    except SluiceError as err:
        assert str(err)  # renders without crashing
