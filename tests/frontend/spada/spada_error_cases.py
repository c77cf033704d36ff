"""Malformed and racy `.sptl` programs with the error each must raise (class, text, line, col).

Most cases edit one kernel: `body(...)` puts statements into its compute block, whose
first inserted line is line 11; `edit(...)` swaps a fragment of it.
"""

from __future__ import annotations

from typing import NamedTuple

from sluice.errors import RaceError, RouteError, SluiceError, SluiceSyntaxError, SluiceTypeError
from sluice.frontend.spada.diagnostics import (
    ParameterError,
    PlacementError,
    SpadaNameError,
    StreamMatchError,
)

BASE = """\
kernel @k<W, N>(stream<f32, N>[W, 1] readonly src, stream<f32, N>[W, 1] writeonly dst) {
    place i16 x, i16 y in [0:W, 0] {
        f32[N] buf
        f32 acc
    }
    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> east = relative_stream(1, 0)
    }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(buf, src[x, y])
@BODY@
        await send(buf, dst[x, y])
    }
}
"""
PARAMS = {"W": 3, "N": 4}


def body(*lines: str) -> str:
    return BASE.replace("@BODY@", "\n".join("        " + ln for ln in lines))


def edit(old: str, new: str, *lines: str) -> str:
    text = body(*lines)
    assert old in text, old
    return text.replace(old, new, 1)


class Case(NamedTuple):
    id: str
    source: str
    error: type[SluiceError]
    fragment: str
    line: int
    col: int
    params: dict[str, int] = PARAMS


CASES = [
    # ---- syntax
    Case("missing_paren", edit("await send(buf, dst[x, y])", "await send(buf, dst[x, y]"),
         SluiceSyntaxError, "'(' is never closed", 12, 19),
    Case("bad_character", body("acc = 1.0 $ 2.0"), SluiceSyntaxError,
         "unexpected character '$'", 11, 19),
    Case("unclosed_block", BASE.replace("@BODY@", "").rstrip().removesuffix("}"),
         SluiceSyntaxError, "unexpected end of file", 13, 6),
    Case("two_statements_one_line", body("acc = 1.0 acc = 2.0"), SluiceSyntaxError,
         "unexpected 'acc'", 11, 19),
    Case("unknown_route_key", edit("relative_stream(1, 0)", "relative_stream(1, 0) { hop = auto }"),
         SluiceSyntaxError, "unknown routing key 'hop'", 7, 52),
    Case("foreach_without_receive", body("foreach i16 k in [0:N] { acc = 1.0 }"),
         SluiceSyntaxError, "needs a receive(stream) generator", 11, 9),
    Case("stream_method", body("east.open()"), SluiceSyntaxError, "no method 'open'", 11, 14),
    # ---- names and parameters
    Case("misspelled_field", body("bfu[0] = 1.0"), SpadaNameError, "undefined name 'bfu'",
         11, 9),
    Case("misspelled_stream", body("await send(acc, eats)"), SpadaNameError,
         "undefined name 'eats'", 11, 25),
    Case("unknown_function", body("acc = sqr(acc)"), SpadaNameError, "unknown function 'sqr'",
         11, 15),
    Case("undefined_completion", body("await done"), SpadaNameError,
         "undefined completion 'done'", 11, 15),
    Case("missing_parameter", body(), ParameterError, "missing value for parameter 'N'", 1, 14,
         {"W": 2}),
    Case("unknown_parameter", body(), ParameterError, "unknown parameter 'M'", 1, 1,
         {"W": 2, "N": 2, "M": 3}),
    Case("stream_argument_without_grid",
         edit("stream<f32, N>[W, 1] readonly src", "stream<f32, N> readonly src"),
         SluiceTypeError, "'src' is a single stream", 10, 28),
    Case("stream_array_without_length",
         edit("stream<f32, N>[W, 1] readonly src", "stream<f32>[W, 1] readonly src"),
         SluiceError, "'src' has no length but 'dst' has one", 1, 44),
    Case("local_shadows_coordinate", body("f32 x = 1.0"),
         SluiceError, "'x' is already declared here", 11, 13),
    # ---- types
    Case("float_on_int_stream",
         edit("stream<f32> east", "stream<i32> east", "if x < W - 1 { await send(acc, east) }"),
         SluiceTypeError, "cannot send f32 on stream<i32>", 11, 30),
    Case("float_into_int", body("i32 n = acc"), SluiceTypeError,
         "cannot assign f32 to 'n' of type i32", 11, 13),
    Case("float_condition", body("if acc { acc = 0.0 }"), SluiceTypeError,
         "condition must be a bool, not f32", 11, 12),
    Case("receive_into_coordinate", body("if x > 0 { await receive(x, east) }"),
         SluiceTypeError, "cannot receive into PE coordinate 'x'", 11, 34),
    Case("receive_into_expression", body("if x > 0 { await receive(buf[0] + 1.0, east) }"),
         SluiceTypeError, "cannot receive into an expression", 11, 34),
    Case("array_arithmetic", body("acc = buf * 2.0"), SluiceTypeError,
         "operator '*' needs numbers, not f32[4]", 11, 15),
    Case("float_modulo", body("acc = acc % 2.0"), SluiceTypeError,
         "operator '%' needs integers", 11, 15),
    Case("constant_index_out_of_bounds", body("acc = buf[N]"), SluiceTypeError,
         "index 4 is out of bounds for 'buf' of size 4", 11, 19),
    Case("loop_index_out_of_bounds", body("for i16 k in [0:N + 1] { acc += buf[k] }"),
         SluiceTypeError, "index runs over 0..4", 11, 45),
    Case("send_to_readonly", body("await send(acc, src[x, y])"), SluiceTypeError,
         "cannot send to readonly argument 'src'", 11, 25),
    # ---- placement
    Case("field_not_placed_here",
         edit("        f32 acc\n    }", "        f32 acc\n    }\n    place i16 x, i16 y in [0, 0] "
              "{ f32 extra }", "extra = 1.0"),
         PlacementError, "field 'extra' is not placed on PE (1, 0)", 12, 9),
    Case("field_placed_twice",
         edit("        f32 acc\n    }", "        f32 acc\n    }\n    place i16 x, i16 y in [1, 0] "
              "{ f32 acc }"),
         PlacementError, "field 'acc' is placed twice on PE (1, 0)", 6, 40),
    Case("negative_subgrid",
         edit("place i16 x, i16 y in [0:W, 0]", "place i16 x, i16 y in [-1:W, 0]"),
         PlacementError, "subgrid is outside the grid: x = -1", 2, 28),
    Case("huge_subgrid",  # (more PEs than len() can count: an OverflowError once)
         edit("place i16 x, i16 y in [0:W, 0]",
              "place i16 x, i16 y in [0:9223372036854775808 << W, 0]"),
         PlacementError, "subgrid has 73786976294838206464 PEs", 2, 11),
    Case("subgrid_wider_than_any_wafer",  # (fewer PEs than the cap, but a million wide: the
         edit("place i16 x, i16 y in [0:W, 0]",  # interpreter once made each one, for minutes)
              "place i16 x, i16 y in [0:1000000, 0]"),
         PlacementError, "subgrid reaches x = 999999, beyond every wafer", 2, 28),
    Case("subgrid_taller_than_any_wafer",
         edit("place i16 x, i16 y in [0:W, 0]", "place i16 x, i16 y in [0:W, 1172]"),
         PlacementError, "subgrid reaches y = 1172, beyond every wafer", 2, 33),
    Case("loop_beyond_its_type", body("for i16 k in [0:9223372036854775808 << 3] { acc = 1.0 }"),
         SluiceTypeError, "loop variable 'k' (i16) cannot hold 73786976294838206463", 11, 23),
    Case("huge_multicast", edit("relative_stream(1, 0)", "relative_stream([1:1 << 62], 0)"),
         PlacementError, "multicast range 1:4611686018427387904 reaches", 7, 45),
    Case("negative_subgrid_step", edit("dataflow i16 x, i16 y in [0:W, 0]",
                                       "dataflow i16 x, i16 y in [W:0:-1, 0]"),
         PlacementError, "subgrid range step -1 is negative", 6, 35),
    # ---- stream matching
    Case("count_mismatch", body("if x < W - 1 { await send(buf, east) }",
                                "if x > 0 { await receive(acc, east) }"),
         StreamMatchError, "PE (1, 0) receives 1 element(s) on 'east' but PE(s) (0, 0) send 4",
         12, 26),
    Case("loop_count_mismatch",
         body("for i16 k in [0:N] { if x < W - 1 { await send(acc, east) } }",
              "if x > 0 { await receive(acc, east) }"),
         StreamMatchError, "receives 1 element(s) on 'east' but PE(s) (0, 0) send 4", 12, 26),
    Case("send_off_grid", body("await send(acc, east)"), RouteError,
         "send on 'east' from PE (2, 0) goes to (3, 0), outside the 3x1 grid", 11, 15),
    Case("receive_without_sender", body("await receive(acc, east)"), RouteError,
         "PE (0, 0) receives 1 element(s) on 'east' but no PE sends to it", 11, 15),
    Case("input_not_consumed",
         edit("compute i16 x, i16 y in [0:W, 0]", "compute i16 x, i16 y in [0:W - 1, 0]"),
         StreamMatchError, "no PE consumes src[2, 0]", 1, 47),
    Case("output_not_produced",
         edit("        await send(buf, dst[x, y])",
              "        if x > 0 { await send(buf, dst[x, y]) }"),
         StreamMatchError, "no PE produces dst[0, 0]", 1, 83),
    # ---- races
    Case("write_during_send", body("if x < W - 1 { send(buf, east) }", "buf[0] = 1.0",
                                   "if x > 0 { await receive(buf, east) }"),
         RaceError, "'buf' is written while the send started at line 11 may still be reading",
         12, 9),
    Case("read_before_await", body("completion c = receive(acc, src[x, y])", "buf[0] = acc",
                                   "await c"),
         RaceError, "'acc' is read while the receive started at line 11", 12, 9),
    Case("send_during_map", body("map i16 k in [0:N] { buf[k] = 2.0 * buf[k] }",
                                 "if x < W - 1 { await send(buf, east) }",
                                 "if x > 0 { await receive(buf, east) }"),
         RaceError, "'buf' is read while the map started at line 11 may still be writing",
         12, 30),
    Case("receive_over_pending_send",
         body("completion s = send(buf, east) ", "await receive(buf, east)"),
         RaceError, "while the send started at line 11", 12, 15, {"W": 1, "N": 4}),
    # ---- routing
    Case("channel_conflict",
         edit("stream<f32> east = relative_stream(1, 0)",
              "stream<f32> east = relative_stream(1, 0) { channel = 1 }\n"
              "        stream<f32> far = relative_stream(2, 0) { channel = 1 }",
              "if x == 0 { await send(acc, east); await send(acc, far) }",
              "if x == 1 { await receive(acc, east) }", "if x == 2 { await receive(acc, far) }"),
         RouteError, "streams 'east' and 'far' both use channel 1 through PE (0, 0)", 8, 21),
    Case("hops_do_not_reach",
         edit("relative_stream(1, 0)", "relative_stream(2, 0) { hops = [(1, 0)] }",
              "if x == 0 { await send(acc, east) }", "if x == 2 { await receive(acc, east) }"),
         RouteError, "hops of 'east' add up to (1, 0), not the offset (2, 0)", 7, 50),
    Case("diagonal_hop",
         edit("relative_stream(1, 0)", "relative_stream(1, 0) { hops = [(1, 1)] }",
              "if x == 0 { await send(acc, east) }", "if x == 1 { await receive(acc, east) }"),
         RouteError, "hop (1, 1) is not a unit step", 7, 61),
    # ---- SpaDA extensions (docs/SPADA-EXTENSIONS.md)
    Case("version_on_parameter", edit("kernel @k<W, N>", "kernel @k<W#1, N>"),
         SluiceSyntaxError, "parameter 'W#1' cannot carry a version", 1, 11),
    Case("version_on_argument", edit("readonly src,", "readonly src#2,"),
         SluiceSyntaxError, "argument 'src#2' cannot carry a version", 1, 47),
    Case("version_on_number", body("acc = 3#1"),
         SluiceSyntaxError, "a version '#n' follows a name", 11, 16),
    Case("line_of_streams_two_coordinates",
         edit("stream<f32, N>[W, 1] readonly src", "stream<f32, N>[W] readonly src",
              ).replace("src[x, y]", "src[x + y]"),
         SluiceTypeError, "the index of 'src' must follow one block coordinate", 10, 32),
    Case("line_of_streams_two_axes",
         edit("stream<f32, N>[W, 1] writeonly dst", "stream<f32, N>[W] writeonly dst",
              "await send(acc, dst[y])").replace("dst[x, y]", "dst[x]"),
         SluiceTypeError, "'dst' follows x here but the other axis at line 11", 12, 25),
    Case("streaming_counts_differ",
         edit("stream<f32, N>[W, 1] writeonly dst", "stream<f32>[W, 1] writeonly dst",
              "if x == 0 { await send(acc, dst[x, y]) }").replace(
             "stream<f32, N>[W, 1] readonly", "stream<f32>[W, 1] readonly"),
         StreamMatchError, "PEs move different numbers of elements on 'dst'", 1, 77),
    Case("streaming_count_at_run_time",
         edit("stream<f32, N>[W, 1] writeonly dst", "stream<f32>[W, 1] writeonly dst",
              "await foreach f32 v in receive(east) { await send(v, dst[x, y]) }").replace(
             "stream<f32, N>[W, 1] readonly", "stream<f32>[W, 1] readonly"),
         SluiceError, "decided at run time", 11, 54),

]
