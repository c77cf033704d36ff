"""SPADA-EXTENSIONS.md E4 (async blocks ordered by data) and E8 (data-dependent subscripts):
static checks, the reference interpreter and the CSL simulator against NumPy."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from sluice.errors import ExecutionError, RaceError, SluiceError, SluiceTypeError
from sluice.frontend.spada import bind, check, parse_source
from sluice.spatial import loads

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "spada"
sys.path.insert(0, str(EXAMPLES))
from references import REFERENCES  # noqa: E402

HIST = (EXAMPLES / "histogram.sptl").read_text()


def _check(src: str, params: dict[str, int]):
    return check(bind(parse_source(src, "case.sptl"), params))


def _both(src: str, params: dict[str, int], inputs: dict) -> list[dict]:
    k = loads(src, params, "case.sptl")
    return [k(**inputs), k(target="csl", **inputs)]


# ---- E8 --------------------------------------------------------------------------------


def test_histogram_with_nan_and_inf_weights() -> None:
    params = {"W": 2, "N": 12, "K": 4}
    ref = REFERENCES["histogram"]
    inp = ref.make_inputs(params, np.random.default_rng(7))
    inp["weights"][0, 0, :] = [np.nan, np.inf, -np.inf, -0.0]
    want = ref.reference(inp, params)
    for got in _both(HIST, params, inp):
        for name, v in want.items():
            np.testing.assert_array_equal(got[name], v, err_msg=name)


@pytest.mark.parametrize("target", ["interpreter", "csl"])
def test_data_index_out_of_range_traps(target: str) -> None:
    params = {"W": 1, "N": 3, "K": 2}
    k = loads(HIST, params, "case.sptl")
    inp = {
        "samples": np.array([[[0.2, 1.7, 0.4]]], np.float32),  # bin 3 of 2
        "weights": np.ones((1, 1, 2), np.float32),
    }
    with pytest.raises(ExecutionError, match="out of bounds"):
        k(**inp) if target == "interpreter" else k(target="csl", **inp)


MAP_CASE = """
kernel @m<N>(stream<f32, N>[1, 1] readonly a, stream<f32, N>[1, 1] writeonly b) {
    place i16 x, i16 y in [0, 0] {
        f32[N] u
        i32[N] ix
    }
    compute i16 x, i16 y in [0, 0] {
        await receive(u, a[x, y])
        for i16 k in [0:N] { ix[k] = N - 1 - k }
        @STMT@
        await send(u, b[x, y])
    }
}
"""


@pytest.mark.parametrize(
    ("stmt", "fragment", "col"),
    [
        ("await map i16 k in [0:N] { u[k] = u[ix[k]] }", "reads data", 45),
        ("await map i16 k in [0:N] { u[k] = u[k * k] }", "not affine", 45),
        ("await map i16 k in [0:N] { i32 j = ix[k]; u[k] = u[j] }", "reads data", 60),
        ("u[0] = u[u[1]]", "index must be an integer", 18),
    ],
)
def test_bad_subscripts_are_reported(stmt: str, fragment: str, col: int) -> None:
    src = MAP_CASE.replace("@STMT@", stmt)
    with pytest.raises(SluiceTypeError) as info:
        _check(src, {"N": 4})
    err = info.value
    assert fragment in err.message and err.hint
    assert (err.loc.line, err.loc.col) == (10, col), str(err)


def test_affine_map_subscripts_and_data_index_in_for_are_accepted() -> None:
    src = MAP_CASE.replace(
        "@STMT@",
        "await map i16 k in [0:N - 1] { u[k] = u[N - 1 - k + x] }\n"
        "        for i16 k in [0:N] { u[ix[k]] = 2.0 * u[k] }",
    )
    _check(src, {"N": 4})
    a = np.array([[[1.0, -0.0, np.inf, np.nan]]], np.float32)
    want = a.copy()
    want[0, 0, :3] = a[0, 0, 3:0:-1]
    tmp = want.copy()
    for k in range(4):
        tmp[0, 0, 3 - k] = 2.0 * tmp[0, 0, k]
    for got in _both(src, {"N": 4}, {"a": a}):
        np.testing.assert_array_equal(got["b"], tmp)


# ---- E4 --------------------------------------------------------------------------------

ASYNC_CASE = """
kernel @a<N>(stream<f32, N>[1, 1] readonly src, stream<f32, 2>[1, 1] writeonly dst) {
    place i16 x, i16 y in [0, 0] {
        f32[N] u
        f32 s
        f32 t
        f32[2] out
    }
    compute i16 x, i16 y in [0, 0] {
@BODY@
        awaitall
    }
}
"""


def _async(*lines: str) -> str:
    return ASYNC_CASE.replace("@BODY@", "\n".join("        " + ln for ln in lines))


ORDERED = _async(
    "completion r = receive(u, src[x, y])",
    "completion a = async { s = u[0] + u[1] }",  # after r (reads u)
    "completion b = async { t = s * 2.0 }",  # after a (reads s)
    "completion c = async { out[1] = u[N - 1] }",  # after r only
    "out[0] = t",  # waits for b
    "await send(out, dst[x, y])",  # waits for c
)


def test_dependent_async_blocks_are_ordered_not_races() -> None:
    _check(ORDERED, {"N": 3})
    src = np.array([[[1.5, -0.0, np.inf]]], np.float32)
    want = np.array([[[3.0, np.inf]]], np.float32)
    for got in _both(ORDERED, {"N": 3}, {"src": src}):
        np.testing.assert_array_equal(got["dst"], want)


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        (
            ("await receive(u, src[x, y])", "completion w = send(out, dst[x, y])", "out[0] = 1.0"),
            "while the send started",
        ),
        (
            ("completion r = receive(u, src[x, y])", "s = u[0]", "await send(out, dst[x, y])"),
            "while the receive started",
        ),
        (
            (
                "await receive(u, src[x, y])",
                "async { completion w = send(out, dst[x, y]); out[0] = 1.0 }",
            ),
            "while the send started",
        ),
    ],
)
def test_other_operations_still_race(lines: tuple[str, ...], fragment: str) -> None:
    with pytest.raises(RaceError) as info:
        _check(_async(*lines), {"N": 3})
    assert fragment in info.value.message


def test_async_block_waits_for_a_conflicting_send() -> None:
    # the send reads `out`; the async block writing it starts after the send completes
    src = _async(
        "await receive(u, src[x, y])",
        "out[0] = u[0]",
        "out[1] = u[1]",
        "completion w = send(out, dst[x, y])",
        "async { out[0] = 7.0 }",
    )
    _check(src, {"N": 3})
    inp = {"src": np.array([[[-0.0, np.inf, 1.0]]], np.float32)}
    for got in _both(src, {"N": 3}, inp):
        np.testing.assert_array_equal(got["dst"], [[[-0.0, np.inf]]])


def test_async_chain_through_deferred_receive_keeps_stream_order() -> None:
    src = _async(
        "completion a = async { await receive(u, src[x, y]) }",
        "completion b = async { s = u[0] * u[1] }",
        "out[0] = s",
        "out[1] = u[2]",
        "await send(out, dst[x, y])",
    )
    inp = {"src": np.array([[[2.0, -3.0, np.nan]]], np.float32)}
    for got in _both(src, {"N": 3}, inp):
        np.testing.assert_array_equal(got["dst"], [[[-6.0, np.nan]]])


def test_async_error_renders_like_a_compiler() -> None:
    with pytest.raises(SluiceError) as info:
        _check(
            _async(
                "await receive(u, src[x, y])",
                "async { completion w = send(out, dst[x, y]); out[0] = 1.0 }",
            ),
            {"N": 3},
        )
    text = str(info.value)
    assert text.startswith("case.sptl:11:") and "^" in text and info.value.hint


def test_send_and_receive_elements_at_data_dependent_indices() -> None:
    src = """
kernel @m<N>(stream<f32, N>[1, 1] readonly a, stream<f32, N>[1, 1] writeonly b) {
    place i16 x, i16 y in [0, 0] {
        f32[N] u
        i32[N] ix
    }
    compute i16 x, i16 y in [0, 0] {
        for i16 k in [0:N] { ix[k] = N - 1 - k }
        for i16 k in [0:N] { await receive(u[ix[k]], a[x, y]) }
        for i16 k in [0:N] { await send(u[ix[ix[k]]] * 2.0, b[x, y]) }
    }
}
"""
    a = np.array([[[1.0, -0.0, np.inf, np.nan]]], np.float32)
    for got in _both(src, {"N": 4}, {"a": a}):
        np.testing.assert_array_equal(got["b"], 2 * a[:, :, ::-1])
