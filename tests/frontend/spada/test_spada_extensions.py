"""SpaDA language extensions (docs/SPADA-EXTENSIONS.md) beyond the examples: E1 versions,
E3 empty subgrids, E5 contextual keywords, E6 lines of host streams along y, E7 limits, E9
negative multicast bounds and E11b implicit phases; each runs on the interpreter and, where
it reaches the CSL path, on the wafer simulator against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from sluice.errors import SluiceError, SluiceSyntaxError
from sluice.frontend.spada import ast, bind, format_kernel, parse_source
from sluice.spatial import loads


def _rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def test_version_zero_is_the_bare_name_and_versions_print_back() -> None:
    k = parse_source("kernel @v() { place i16 x, i16 y in [0, 0] { f32 a#0; f32 a#007 } }")
    names = [f.name for f in k.items[0].fields]
    assert names == ["a", "a#7"]
    again = parse_source(format_kernel(k))
    assert again == k and "a#7" in format_kernel(k)


CLASH = """
kernel @clash<N>(stream<f32, N>[1, 1] readonly in, stream<f32, N>[1, 1] writeonly out) {
    place i16 x, i16 y in [0, 0] {
        f32[N] buf
        f32[N] buf#1
        f32[N] buf__1
    }
    compute i16 x, i16 y in [0, 0] {
        await receive(buf, in[x, y])
        for i16 k in [0:N] {
            buf__1[k] = buf[k] + 1.0
            buf#1[k] = buf__1[k] * 3.0
        }
        await send(buf#1, out[x, y])
    }
}
"""


def test_versioned_name_next_to_its_mangled_spelling() -> None:
    # buf#1 would print as buf__1 in CSL, which the kernel also declares: mangling stays 1:1
    k = loads(CLASH, {"N": 4}, "clash.sptl")
    x = _rand(np.random.default_rng(1), 1, 1, 4)
    want = (x + np.float32(1.0)) * np.float32(3.0)
    np.testing.assert_array_equal(k(**{"in": x})["out"], want)
    np.testing.assert_array_equal(k(target="csl", **{"in": x})["out"], want)


def test_reserved_words_stay_reserved() -> None:
    with pytest.raises(SluiceSyntaxError):
        parse_source("kernel @r(stream<f32, 1>[1, 1] readonly if) { }")


def test_keywords_name_fields_streams_and_completions() -> None:
    src = """kernel @kw(stream<f32, 2>[2, 1] readonly phase, stream<f32, 2>[2, 1] writeonly out) {
    place i16 x, i16 y in [0:2, 0] { f32[2] place; f32[2] for }
    dataflow i16 x, i16 y in [0:2, 0] { stream<f32> receive = relative_stream(1, 0) }
    compute i16 x, i16 y in [0, 0] {
        await receive(place, phase[x, y])
        completion await = send(place, receive)
        await await
        await send(place, out[x, y])
    }
    compute i16 x, i16 y in [1, 0] {
        await receive(place, phase[x, y])
        await receive(for, receive)
        for i16 k in [0:2] { place[k] = place[k] + for[k] }
        await send(place, out[x, y])
    }
}"""
    k = loads(src, {}, "kw.sptl")
    a = _rand(np.random.default_rng(2), 2, 1, 2)
    want = a.copy()
    want[1] = a[1] + a[0]
    np.testing.assert_array_equal(k(phase=a)["out"], want)
    np.testing.assert_array_equal(k(target="csl", phase=a)["out"], want)



def test_collective_words_are_names_too() -> None:
    """E5 covers the words E2 adds: a kernel `@reduce` with fields named `reduce` and
    `broadcast` next to a real multistream reduction."""
    src = """kernel @reduce(stream<f32, 1>[3, 1] readonly inp, stream<f32, 1> writeonly out) {
    place i16 x, i16 y in [0:3, 0] { f32 reduce; f32 broadcast }
    dataflow i16 x, i16 y in [0:3, 0] { multistream<f32> multistream = reduce_stream(0, 0) }
    compute i16 x, i16 y in [0:3, 0] {
        await receive(reduce, inp[x, y])
        broadcast = reduce * 2.0
        await reduce(broadcast, multistream)
    }
    compute i16 x, i16 y in [0, 0] { await send(broadcast, out) }
}"""
    k = loads(src, {}, "words.sptl")
    a = _rand(np.random.default_rng(5), 3, 1, 1)
    want = np.float32(2.0) * a
    for target in ("interpret", "csl"):
        got = k(target=target, inp=a)["out"] if target == "csl" else k(inp=a)["out"]
        np.testing.assert_allclose(np.ravel(got), [want.sum()], rtol=1e-6)


COLUMN = """
kernel @col<H, N>(stream<f32, N>[H] readonly c, stream<f32, N>[H] writeonly d) {
    place i16 x, i16 y in [0, 0:H] { f32[N] v }
    compute i16 x, i16 y in [0, 0:H] {
        await receive(v, c[y])
        for i16 k in [0:N] { v[k] = v[k] * f32(y + 1) }
        await send(v, d[y])
    }
}
"""


def test_line_of_streams_along_y() -> None:
    k = loads(COLUMN, {"H": 3, "N": 2}, "col.sptl")
    assert k.inputs == {"c": (3, 2)} and k.grid == (1, 3)
    c = _rand(np.random.default_rng(3), 3, 2)
    want = c * np.arange(1, 4, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(k(c=c)["d"], want)
    np.testing.assert_array_equal(k(target="csl", c=c)["d"], want)


PARITY = """
kernel @parity<W, N>(stream<f32, N>[W, 1] readonly a, stream<f32, N>[1, 1] writeonly s) {
    place i16 x, i16 y in [0:W, 0] { f32[N] v }
    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> red = relative_stream(-1, 0) { channel = 0 }
        stream<f32> blue = relative_stream(-1, 0) { channel = 1 }
    }
    phase { compute i16 x, i16 y in [0:W, 0] { await receive(v, a[x, y]) } }
    phase {
        compute i16 x, i16 y in [W - 1, 0] { await send(v, red if (W - 1) % 2 == 0 else blue) }
        compute i16 x, i16 y in [1:W - 1:2, 0] {
            await foreach i16 k, f32 e in [0:N], receive(red) {
                v[k] = v[k] + e
                await send(v[k], blue)
            }
        }
        compute i16 x, i16 y in [2:W - 1:2, 0] {
            await foreach i16 k, f32 e in [0:N], receive(blue) {
                v[k] = v[k] + e
                await send(v[k], red)
            }
        }
        compute i16 x, i16 y in [0, 0] {
            await foreach i16 k, f32 e in [0:N], receive(blue) { v[k] = v[k] + e }
            await send(v, s[x, y])
        }
    }
}
"""


@pytest.mark.parametrize("w", [2, 3, 4])
def test_empty_parity_blocks_are_dropped(w: int) -> None:
    # for W = 2 both middle blocks are empty, for W = 3 the even one is
    k = loads(PARITY, {"W": w, "N": 3}, "parity.sptl")
    assert len(k.bound.phases[1].computes) == {2: 2, 3: 3, 4: 4}[w]
    a = _rand(np.random.default_rng(w), w, 1, 3)
    want = a.sum(axis=0, keepdims=True)
    np.testing.assert_allclose(k(a=a)["s"], want, rtol=1e-6)
    np.testing.assert_allclose(k(target="csl", a=a)["s"], want, rtol=1e-6)


def test_multicast_to_negative_offsets_skips_the_relays() -> None:
    src = """kernel @neg<W, S, N>(stream<f32, N>[1, 1] readonly a,
                            stream<f32, N>[W, 1] writeonly b) {
    place i16 x, i16 y in [0:W, 0] { f32[N] v }
    dataflow i16 x, i16 y in [0:W, 0] { stream<f32> west = relative_stream([-S:-W], 0) }
    compute i16 x, i16 y in [W - 1, 0] {
        await receive(v, a[0, 0])
        await send(v, west)
        await send(v, b[x, y])
    }
    compute i16 x, i16 y in [W - S:W - 1, 0] {
        for i16 k in [0:N] { v[k] = -1.0 }
        await send(v, b[x, y])
    }
    compute i16 x, i16 y in [0:W - S, 0] {
        await receive(v, west)
        await send(v, b[x, y])
    }
}"""
    k = loads(src, {"W": 5, "S": 2, "N": 2}, "neg.sptl")
    a = _rand(np.random.default_rng(4), 1, 1, 2)
    want = np.repeat(a, 5, axis=0)
    want[3] = -1.0  # PE 3 only relays
    np.testing.assert_array_equal(k(a=a)["b"], want)
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], want)
    with pytest.raises(SluiceError, match="empty multicast range -2:-2"):
        loads(src, {"W": 2, "S": 2, "N": 2}, "neg.sptl")


def test_top_level_computes_around_a_phase_are_phases() -> None:
    src = """kernel @p(stream<f32, 1>[1, 1] readonly a, stream<f32, 1>[1, 1] writeonly b) {
    place i16 x, i16 y in [0, 0] { f32 v }
    compute i16 x, i16 y in [0, 0] { await receive(v, a[x, y]) }
    phase { compute i16 x, i16 y in [0, 0] { v = v * 2.0 } }
    compute i16 x, i16 y in [0, 0] { v = v + 1.0 }
    compute i16 x, i16 y in [0, 0] { await send(v, b[x, y]) }
}"""
    bk = bind(parse_source(src))
    assert [len(ph.computes) for ph in bk.phases] == [1, 1, 1]  # the last two merged (E11a)
    assert [type(s) for s in bk.phases[2].computes[0].node.body] == [
        ast.Assign,
        ast.AwaitAll,
        ast.Await,
        ast.AwaitAll,
    ]
    assert isinstance(bk.phases[1].node, ast.Phase) and bk.phases[2].node is None


def test_too_many_streaming_arguments() -> None:
    args = ", ".join(f"stream<f32>[1, 1] readonly a{i}" for i in range(5))
    src = f"kernel @m({args}) {{ place i16 x, i16 y in [0, 0] {{ f32 v }} }}"
    with pytest.raises(SluiceError, match="5 streaming readonly arguments"):
        loads(src, {}, "m.sptl")


MIXED = """
kernel @mixed<N>(stream<f32, N>[2, 1] readonly a, stream<f32, N>[2, 1] writeonly b) {
    place i16 x, i16 y in [0:2, 0] { f32[N] v }
    dataflow i16 x, i16 y in [0:2, 0] { stream<f32> e = relative_stream(1, 0) }
    compute i16 x, i16 y in [0, 0] {
        await receive(v, a[x, y])
        await send(v, e)
        await send(v, b[x, y])
    }
    compute i16 x, i16 y in [1, 0] {
        await receive(v, a[x, y])
        foreach f32 w, i16 k in [receive(e), 0:N] { v[k] = v[k] * w }
        await send(v, b[x, y])
    }
}
"""


def test_receive_inside_the_range_list_of_a_foreach() -> None:
    k = loads(MIXED, {"N": 3}, "mixed.sptl")
    fe = k.ast.items[3].body[1]
    assert [v.name for v in fe.vars] == ["k", "w"] and isinstance(fe.gens[1], ast.ReceiveGen)
    a = _rand(np.random.default_rng(5), 2, 1, 3)
    want = a.copy()
    want[1] = a[1] * a[0]
    np.testing.assert_array_equal(k(a=a)["b"], want)
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], want)
    with pytest.raises(SluiceSyntaxError, match="only allowed in a foreach"):
        parse_source(
            MIXED.replace("[receive(e), 0:N] {", "[receive(e), 0:N], receive(e) {").replace(
                "foreach f32 w, i16 k in",
                "for i16 q in [receive(e)] { }\n        foreach f32 w, i16 k in",
            )
        )


SHADOW = """
kernel @shadow<W, K>(stream<f32, K>[W, 1] readonly a, stream<f32, K>[W, 1] writeonly b) {
    place i16 x, i16 y in [0:W, 0] { f32[K] v }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(v, a[x, y])
        for i16 x in [0:K] { v[x] = v[x] * 2.0 }
        v[0] = v[0] + f32(x)
        await send(v, b[x, y])
    }
}
"""


def test_loop_variable_shadows_a_coordinate_inside_the_loop_only() -> None:
    with pytest.warns(UserWarning, match="loop variable 'x' hides the block coordinate"):
        k = loads(SHADOW, {"W": 3, "K": 2}, "shadow.sptl")
    a = _rand(np.random.default_rng(6), 3, 1, 2)
    want = a * np.float32(2.0)
    want[:, 0, 0] += np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(k(a=a)["b"], want)
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], want)


WHOLE = """
kernel @whole<W, M, N>(stream<f32, M * N>[W, 1] readonly a, stream<f32, M * N>[W, 1] writeonly b) {
    place i16 x, i16 y in [0:W, 0] {
        f32[M * N] flat
        f32[M, N] acc
        f32[M, N] fresh
        f32 s
    }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(flat, a[x, y])
        for i16 i, i16 j in [0:M, 0:N] { fresh[i, j] = flat[i * N + j] }
        s = f32(x) + 0.5
        acc = s
        for i16 r in [0:2] {
            acc = acc * 0.5 + fresh * fresh[0, 0]
        }
        acc += fresh
        for i16 i, i16 j in [0:M, 0:N] { flat[i * N + j] = acc[i, j] }
        await send(flat, b[x, y])
    }
}
"""


def test_whole_array_assignment_is_element_wise() -> None:
    k = loads(WHOLE, {"W": 2, "M": 2, "N": 3}, "whole.sptl")
    a = _rand(np.random.default_rng(7), 2, 1, 6)
    fresh = a.reshape(2, 2, 3)
    acc = (np.arange(2, dtype=np.float32) + np.float32(0.5))[:, None, None] * np.ones(
        (2, 2, 3), np.float32
    )
    for _ in range(2):
        acc = acc * np.float32(0.5) + fresh * fresh[:, :1, :1]
    want = (acc + fresh).reshape(2, 1, 6)
    np.testing.assert_allclose(k(a=a)["b"], want, rtol=1e-6)
    np.testing.assert_allclose(k(target="csl", a=a)["b"], want, rtol=1e-6)
    with pytest.raises(SluiceError, match=r"'flat' has shape \[6\] but 'acc' has \[2, 3\]"):
        loads(WHOLE.replace("acc += fresh", "acc += flat"), {"W": 1, "M": 2, "N": 3}, "w.sptl")


def test_one_pe_grid_used_without_index() -> None:
    src = """kernel @one<N>(stream<f32, N>[1, 1] readonly a, stream<f32, N>[1, 1] writeonly b) {
    place i16 x, i16 y in [0, 0] { f32[N] v }
    compute i16 x, i16 y in [0, 0] { await receive(v, a[0, 0]); await send(v, b) }
}"""
    k = loads(src, {"N": 2}, "one.sptl")
    a = _rand(np.random.default_rng(8), 1, 1, 2)
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], a)


OVERLAP = """
kernel @ov<W, H, N>(stream<f32, N>[W, H] readonly a, stream<f32, N>[W, H] writeonly b) {
    place i16 x, i16 y in [0:W, 0:H] { f32[N] acc }
    compute i16 x, i16 y in [0:W, 0:H] {
        await receive(acc, a[x, y])
        completion c = map i16 k in [0:N] { acc[k] = acc[k] * 2.0 }
    }
    compute i16 i, i16 j in [0, 0] {
        for i16 k in [0:N] { acc[k] = acc[k] + 100.0 }
        completion c = map i16 k in [0:N] { acc[k] = acc[k] + f32(i + j) }
    }
    compute i16 p, i16 q in [1:W:2, 0:H] {
        for i16 k in [0:N] { acc[k] = acc[k] - f32(p) }
    }
    compute i16 x, i16 y in [0:W, 0:H] { await send(acc, b[x, y]) }
}
"""


def test_overlapping_compute_blocks_run_in_source_order() -> None:
    k = loads(OVERLAP, {"W": 4, "H": 2, "N": 3}, "ov.sptl")
    pes = [pe for b in k.bound.phases[0].computes for pe in b.pes]
    assert sorted(pes) == sorted(set(pes)) and len(pes) == 8  # disjoint after merging
    a = _rand(np.random.default_rng(9), 4, 2, 3)
    want = a * np.float32(2.0)
    want[0, 0] += np.float32(100.0)
    want[1] -= np.float32(1.0)
    want[3] -= np.float32(3.0)
    np.testing.assert_array_equal(k(a=a)["b"], want)
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], want)


def test_unused_host_element_names_the_spada_difference() -> None:
    src = """kernel @s(stream<f32, 1>[1, 1] readonly a, stream<f32, 1>[2, 1] writeonly b) {
    place i16 x, i16 y in [0:2, 0] { f32 v }
    compute i16 x, i16 y in [1, 0] { await receive(v, a[x - 1, y]); await send(v, b[x - 1, y]) }
}"""
    with pytest.raises(SluiceError, match=r"no PE produces b\[1, 0\]") as info:
        loads(src, {}, "s.sptl")
    assert "SpaDA would instead start the used PEs at element (0, 0)" in info.value.hint


def test_multicast_ignores_explicit_hops() -> None:
    from pathlib import Path

    src = (Path(__file__).parents[3] / "examples" / "spada" / "bcast_up.sptl").read_text()
    src = src.replace("hops = auto", "hops = [(0, -1)]")
    k = loads(src, {"W": 1, "H": 3, "S": 1, "N": 2}, "hops.sptl")
    a = _rand(np.random.default_rng(10), 1, 3, 2)
    want = a.copy()
    want[:, :2] += a[:, 2:]
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], want)


STREAM_COPY = """
kernel @scopy<W>(stream<f32>[W, 1] readonly a, stream<f32>[W, 1] writeonly b) {
    compute i16 x, i16 y in [0:W, 0] {
        await foreach f32 v in receive(a[x, y]) { await send(v * 2.0, b[x, y]) }
    }
}
"""


def test_range_free_foreach_on_a_streaming_input_takes_the_given_length() -> None:
    with pytest.raises(SluiceError, match="decided at run time"):
        loads(STREAM_COPY, {"W": 2}, "scopy.sptl")
    k = loads(STREAM_COPY, {"W": 2, "a": 5}, "scopy.sptl")
    assert k.inputs == {"a": (2, 1, 5)} and k.outputs == {"b": (2, 1, 5)}
    a = _rand(np.random.default_rng(11), 2, 1, 5)
    np.testing.assert_array_equal(k(a=a)["b"], a * np.float32(2.0))
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], a * np.float32(2.0))
    with pytest.raises(SluiceError, match="length of 'a' must be a positive integer"):
        loads(STREAM_COPY, {"W": 2, "a": 0}, "scopy.sptl")


def test_both_ends_of_a_used_stream_share_the_channel() -> None:
    src = """kernel @ch(stream<f32, 1>[2, 1] readonly a, stream<f32, 1>[2, 1] writeonly b) {
    place i16 x, i16 y in [0:2, 0] { f32 v }
    dataflow i16 x, i16 y in [0, 0] { stream<f32> e = relative_stream(1, 0) { channel = 1 } }
    dataflow i16 x, i16 y in [1, 0] { stream<f32> e = relative_stream(1, 0) { channel = 2 } }
    compute i16 x, i16 y in [0, 0] { await receive(v, a[x, y]); await send(v, e)
                                     await send(v, b[x, y]) }
    compute i16 x, i16 y in [1, 0] { await receive(v, a[x, y]); await receive(v, e)
                                     await send(v, b[x, y]) }
}"""
    with pytest.raises(SluiceError, match="'e' is on channel 1 at PE \\(0, 0\\) but on channel 2"):
        loads(src, {}, "ch.sptl")
    k = loads(src.replace("channel = 2", "channel = 1"), {}, "ch.sptl")  # (1, 0) never sends
    a = _rand(np.random.default_rng(12), 2, 1, 1)
    np.testing.assert_array_equal(k(a=a)["b"], np.concatenate([a[:1], a[:1]]))


def test_grid_argument_indexed_by_one_coordinate() -> None:
    src = """kernel @g<W>(stream<f32, 2>[W, 1] readonly a, stream<f32, 2>[1, W] writeonly b) {
    place i16 x, i16 y in [0:W, 0] { f32[2] v }
    compute i16 x, i16 y in [0:W, 0] { await receive(v, a[x]); await send(v, b[x]) }
}"""
    with pytest.raises(SluiceError, match=r"index 1 is out of bounds for 'b' \(1 x 3\)"):
        loads(src, {"W": 3}, "g.sptl")  # b[x] is b[x, 0]: a row, but b is a column
    k = loads(src.replace("[1, W] writeonly", "[W, 1] writeonly"), {"W": 3}, "g.sptl")
    a = _rand(np.random.default_rng(13), 3, 1, 2)
    np.testing.assert_array_equal(k(a=a)["b"], a)
    np.testing.assert_array_equal(k(target="csl", a=a)["b"], a)


def test_bounded_dataflow_stream_carries_exactly_its_length() -> None:
    src = """kernel @bd(stream<f32, 3>[2, 1] readonly a, stream<f32, 3>[2, 1] writeonly b) {
    place i16 x, i16 y in [0:2, 0] { f32[3] v }
    dataflow i16 x, i16 y in [0:2, 0] { stream<f32, 3> e = relative_stream(1, 0) }
    compute i16 x, i16 y in [0, 0] { await receive(v, a[x, y]); await send(v, e)
                                     await send(v, b[x, y]) }
    compute i16 x, i16 y in [1, 0] { await receive(v, a[x, y]); await receive(v, e)
                                     await send(v, b[x, y]) }
}"""
    loads(src, {}, "bd.sptl")
    with pytest.raises(SluiceError, match=r"sends 2 element\(s\) on 'e', declared stream<f32, 3>"):
        loads(
            src.replace("send(v, e)", "send(v[0], e); await send(v[1], e)").replace(
                "receive(v, e)", "receive(v[0], e); await receive(v[1], e)"
            ),
            {},
            "bd.sptl",
        )


BIDIR = """
kernel @bi<W, K>(stream<f32, K>[W] state, stream<f32, K>[W, 1] writeonly state_out) {
    place i16 x, i16 y in [0:W, 0] { f32[K] v }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(v, state[x])
        for i16 k in [0:K] { v[k] = v[k] * f32(x + 1) }
        await send(v, state[x])
        await send(v, state_out[x, y])
    }
}
"""


def test_stream_argument_without_direction_is_input_and_output() -> None:
    k = loads(BIDIR, {"W": 3, "K": 2}, "bi.sptl")  # state_out is taken: the half is state_out_
    assert k.inputs == {"state": (3, 2)}
    assert k.outputs == {"state": (3, 2), "state_out": (3, 1, 2)}
    a = _rand(np.random.default_rng(14), 3, 2)
    want = a * np.arange(1, 4, dtype=np.float32)[:, None]
    for target in ("interpret", "csl"):
        got = k(target=target, state=a)
        np.testing.assert_array_equal(got["state"], want)
        np.testing.assert_array_equal(got["state_out"], want[:, None])
