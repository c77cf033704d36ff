"""SpaDA features outside SPADA.md (SPADA-EXTENSIONS.md E12): the precondition header,
`fmac`, `await all` and downward `for` ranges."""

from __future__ import annotations

import numpy as np
import pytest

from sluice.frontend.spada import ast, bind, check, parse_source
from sluice.frontend.spada.diagnostics import ParameterError
from sluice.spatial import loads

SRC = """// spada-precondition: N>=2 M>=1
kernel @k<N, M>(stream<f32, N>[1, 1] readonly a, stream<f32, N>[1, 1] writeonly b) {
    place i16 x, i16 y in [0, 0] {
        f32[N] u
        f32[N] w
    }
    compute i16 x, i16 y in [0, 0] {
        completion r = receive(u, a[x, y])
        await all
        for i16 k in [N - 1:-1:-1] { w[N - 1 - k] = fmac(u[k], u[k], f32(M)) }
        await send(w, b[x, y])
    }
}
"""


def test_precondition_holds_and_features_run_like_numpy() -> None:
    u = np.array([[[1.5, -0.0, np.inf, np.nan, -2.0]]], np.float32)
    k = loads(SRC, {"N": 5, "M": 3}, "k.sptl")
    want = (u + u * np.float32(3))[:, :, ::-1]
    for got in (k(a=u), k(target="csl", a=u)):
        np.testing.assert_array_equal(got["b"], want)


def test_await_all_is_awaitall() -> None:
    body = parse_source(SRC, "k.sptl").items[-1].body
    assert isinstance(body[1], ast.AwaitAll)


@pytest.mark.parametrize(
    ("header", "params", "fragment", "col"),
    [
        ("// spada-precondition: N>=2 M>=1", {"N": 1, "M": 1}, "N = 1 breaks", 24),
        ("// spada-precondition: N>=2 M>=4", {"N": 2, "M": 3}, "M = 3 breaks", 29),
        ("// spada-precondition: N>2", {"N": 3, "M": 1}, "malformed precondition", 24),
        ("//spada-precondition: Q>=1", {"N": 3, "M": 1}, "not a parameter", 23),
    ],
)
def test_broken_preconditions_are_reported(header, params, fragment, col) -> None:
    src = SRC.replace("// spada-precondition: N>=2 M>=1", header)
    with pytest.raises(ParameterError) as info:
        check(bind(parse_source(src, "k.sptl"), params))
    err = info.value
    assert fragment in err.message and err.hint
    assert (err.loc.line, err.loc.col) == (1, col), str(err)
