"""Prints a CSL model as `layout.csl`, one `<variant>.csl` per PE program and `run.py`.

The text follows the CSL conventions summarised in docs/CSL.md §1. Everything printed here
is read back by `parser.py`; change both together (the round-trip tests pin it).
"""

from __future__ import annotations

import math

from sluice.csl import model as m
from sluice.errors import UnsupportedError
from sluice.safetext import c_string, comment, identifier, py_string

INDENT = "    "
FILE_MARKER = "// FILE: "

# ---------------------------------------------------------------------------------------
# Expressions


def expr(e: m.Expr) -> str:
    """CSL text of an expression, with the fewest parentheses that keep the tree."""
    match e:
        case m.Lit(value=bool() as b):
            return "true" if b else "false"
        case m.Lit(value=int() as i):
            return str(i)
        case m.Lit(value=float() as f):
            if not math.isfinite(f):
                raise UnsupportedError(f"CSL has no literal for {f}")
            text = repr(f)
            return text if any(c in text for c in ".e") else text + ".0"
        case m.Name(id=name):
            return name
        case m.Index(array=a, index=i):
            return f"{a}[{expr(i)}]"
        case m.Cast(dtype=t, value=v):
            return f"@as({t}, {expr(v)})"
        case m.UnOp(op=op, operand=v):
            inner = expr(v)
            # `-1` would read back as the literal -1, so a negated literal keeps parentheses
            wrap = isinstance(v, m.BinOp) or (isinstance(v, m.Lit) and not isinstance(
                v.value, bool))
            return f"{op}({inner})" if wrap else f"{op}{inner}"
        case m.BinOp(op=op, lhs=a, rhs=b):
            prec = m.BINOP_PRECEDENCE[op]
            left, right = expr(a), expr(b)
            if isinstance(a, m.BinOp) and m.BINOP_PRECEDENCE[a.op] < prec:
                left = f"({left})"
            if isinstance(b, m.BinOp) and m.BINOP_PRECEDENCE[b.op] <= prec:
                right = f"({right})"
            return f"{left} {op} {right}"
    raise UnsupportedError(f"cannot print expression {e!r}")


def task_id_name(task: str) -> str:
    return f"{task}_task_id"


# ---------------------------------------------------------------------------------------
# Statements


def _block(stmts: tuple[m.Stmt, ...], depth: int) -> list[str]:
    out: list[str] = []
    for s in stmts:
        out.extend(stmt(s, depth))
    return out


def _assign_text(a: m.Assign) -> str:
    return f"{expr(a.target)} {a.op} {expr(a.value)}"


def stmt(s: m.Stmt, depth: int) -> list[str]:
    """Lines (already indented) for one statement."""
    pad = INDENT * depth
    match s:
        case m.LocalVar(name=n, dtype=t, value=v):
            return [f"{pad}var {n}: {t} = {expr(v)};"]
        case m.Assign():
            return [f"{pad}{_assign_text(s)};"]
        case m.For(var=v, start=a, stop=b, step=c, dtype=t, body=body):
            head = f"{pad}for (@range({t}, {expr(a)}, {expr(b)}, {expr(c)})) |{v}| {{"
            return [head, *_block(body, depth + 1), f"{pad}}}"]
        case m.While(cond=c, body=body, update=u):
            upd = f" : ({_assign_text(u)})" if u is not None else ""
            return [f"{pad}while ({expr(c)}){upd} {{", *_block(body, depth + 1), f"{pad}}}"]
        case m.If(cond=c, then=t, orelse=e):
            lines = [f"{pad}if ({expr(c)}) {{", *_block(t, depth + 1)]
            if e:
                lines += [f"{pad}}} else {{", *_block(e, depth + 1)]
            return lines + [f"{pad}}}"]
        case m.DsdOp(op=op, operands=ops, is_async=a, activate=act, unblock=unb):
            args = [expr(o) for o in ops]
            opts = []
            if a:
                opts.append(".async = true")
            if act is not None:
                opts.append(f".activate = {task_id_name(act)}")
            if unb is not None:
                opts.append(f".unblock = {task_id_name(unb)}")
            if opts:
                args.append(".{ " + ", ".join(opts) + " }")
            return [f"{pad}@{op}({', '.join(args)});"]
        case m.Activate(task=t):
            return [f"{pad}@activate({task_id_name(t)});"]
        case m.Block(task=t):
            return [f"{pad}@block({task_id_name(t)});"]
        case m.Unblock(task=t):
            return [f"{pad}@unblock({task_id_name(t)});"]
        case m.IncrementDsdOffset(dsd=d, amount=k, dtype=t):
            return [f"{pad}{d} = @increment_dsd_offset({d}, {expr(k)}, {t});"]
        case m.SetDsdBaseAddr(dsd=d, array=a):
            return [f"{pad}{d} = @set_dsd_base_addr({d}, &{a});"]
        case m.SetDsdLength(dsd=d, length=n):
            return [f"{pad}{d} = @set_dsd_length({d}, {expr(n)});"]
        case m.UnblockCmdStream():
            return [f"{pad}sys_mod.unblock_cmd_stream();"]
        case m.CallFn(name=n):
            return [f"{pad}{n}();"]
    raise UnsupportedError(f"cannot print statement {s!r}")


# ---------------------------------------------------------------------------------------
# PE program


def _field(f: m.Field) -> str:
    if f.length is None:
        init = "" if f.init is None else f" = {expr(f.init)}"
        return f"var {f.name}: {f.dtype}{init};"
    ty = f"[{expr(f.length)}]{f.dtype}"
    match f.init:
        case None:
            return f"var {f.name}: {ty};"
        case m.Zeros():
            return f"var {f.name}: {ty} = @zeros({ty});"
        case m.Constants(value=v):
            return f"var {f.name}: {ty} = @constants({ty}, {expr(v)});"
    raise UnsupportedError(f"array field {f.name} needs @zeros or @constants, not {f.init!r}")


def _dsd(d: m.Dsd) -> str:
    match d:
        case m.Mem1dDsd(form="tensor_access"):
            access = f"|i|{{{expr(d.extent)}}} -> {d.array}[i * {d.stride} + {expr(d.offset)}]"
            return f"var {d.name} = @get_dsd(mem1d_dsd, .{{ .tensor_access = {access} }});"
        case m.Mem1dDsd():
            return (
                f"var {d.name} = @get_dsd(mem1d_dsd, .{{ .base_address = &{d.array}, "
                f".extent = {expr(d.extent)}, .stride = {d.stride}, .offset = {expr(d.offset)} }});"
            )
        case m.FabinDsd():
            return (
                f"var {d.name} = @get_dsd(fabin_dsd, .{{ .fabric_color = {d.color}, "
                f".extent = {expr(d.extent)}, .input_queue = @get_input_queue({d.queue}) }});"
            )
        case m.FaboutDsd():
            ctrl = ", .control = true" if d.control else ""
            queue = f"@get_output_queue({d.queue})"
            return (
                f"var {d.name} = @get_dsd(fabout_dsd, .{{ .fabric_color = {d.color}, "
                f".extent = {expr(d.extent)}, .output_queue = {queue}{ctrl} }});"
            )
    raise UnsupportedError(f"cannot print DSD {d!r}")


def _task_id_decl(t: m.Task) -> str:
    name = task_id_name(t.name)
    if t.kind == "data":
        src = t.color if t.color is not None else f"@get_input_queue({t.queue})"
        return f"const {name}: data_task_id = @get_data_task_id({src});"
    if t.kind == "local":
        return f"const {name}: local_task_id = @get_local_task_id({t.id});"
    return f"const {name}: control_task_id = @get_control_task_id({t.id});"


def print_pe_program(p: m.PeProgram) -> str:
    """The text of one PE code file."""
    out = [f"// PE program '{comment(p.name)}' (generated by sluice)", ""]
    if p.uses_memcpy:
        out.append("param memcpy_params: comptime_struct;")
    out += [f"param {q.name}: {q.dtype};" for q in p.params]
    if p.uses_memcpy:
        out += ["", 'const sys_mod = @import_module("<memcpy/memcpy>", memcpy_params);']
    if p.fields:
        out += ["", *(_field(f) for f in p.fields)]
    if p.exports:
        out.append("")
        for name in p.exports:
            f = p.field(name)
            dtype = f.dtype if f is not None else "f32"
            out.append(f"var {name}_ptr: [*]{dtype} = &{name};")
    if p.dsds:
        out += ["", *(_dsd(d) for d in p.dsds)]
    if p.tasks:
        out += ["", *(_task_id_decl(t) for t in p.tasks)]
    for f in p.functions:
        out += ["", f"fn {f.name}() void {{", *_block(f.body, 1), "}"]
    for t in p.tasks:
        arg = f"{t.param.name}: {t.param.dtype}" if t.param is not None else ""
        out += ["", f"task {t.name}({arg}) void {{", *_block(t.body, 1), "}"]
    comp: list[str] = []
    for t in p.tasks:
        comp.append(f"@bind_{t.kind}_task({t.name}, {task_id_name(t.name)});")
    for q in p.queues:
        comp.append(
            f"@initialize_queue(@get_{q.direction}_queue({q.queue}), .{{ .color = {q.color} }});"
        )
    comp += [f"@export_symbol({name}_ptr, {c_string(name)});" for name in p.exports]
    comp += [f"@export_symbol({name});" for name in p.rpcs]
    if comp:
        out += ["", "comptime {", *(INDENT + c for c in comp), "}"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Layout


def _value(v: m.ParamValue) -> str:
    if isinstance(v, m.ColorRef):
        return v.name
    return expr(m.Lit(v))


def _route(r: m.Route) -> str:
    parts = [
        f".routes = .{{ .rx = .{{ {', '.join(r.rx)} }}, .tx = .{{ {', '.join(r.tx)} }} }}"
    ]
    if r.switches is not None:
        sw = []
        for k, pos in enumerate(r.switches.positions, start=1):
            fields = []
            if pos.rx is not None:
                fields.append(f".rx = {pos.rx}")
            if pos.tx is not None:
                fields.append(f".tx = {pos.tx}")
            sw.append(f".pos{k} = .{{ {', '.join(fields)} }}")
        sw.append(f".current_switch_pos = {r.switches.current}")
        sw.append(f".ring_mode = {'true' if r.switches.ring_mode else 'false'}")
        parts.append(f".switches = .{{ {', '.join(sw)} }}")
    if r.filter is not None:
        f = r.filter
        parts.append(
            ".filter = .{ .kind = .{ .counter = true }, .count_data = true, "
            f".init_counter = {f.init_counter}, .limit1 = {f.limit1}, "
            f".max_counter = {f.max_counter} }}"
        )
    return f"@set_color_config({r.x}, {r.y}, {r.color}, .{{ {', '.join(parts)} }});"


def print_layout(prog: m.CslProgram) -> str:
    lay = prog.layout
    out = ["// layout (generated by sluice)", ""]
    out += [f"const {c.name}: color = @get_color({c.id});" for c in lay.colors]
    if lay.memcpy is not None:
        streams = [f".MEMCPYH2D_{k} = {c}" for k, c in lay.memcpy.h2d]
        streams += [f".MEMCPYD2H_{k} = {c}" for k, c in lay.memcpy.d2h]
        fields = ", ".join([f".width = {lay.width}", f".height = {lay.height}", *streams])
        out += ["", f'const memcpy = @import_module("<memcpy/get_params>", .{{ {fields} }});']
    out += ["", f'comptime {{ @comptime_assert(@is_arch("{lay.arch}")); }}', "", "layout {"]
    out.append(f"{INDENT}@set_rectangle({lay.width}, {lay.height});")
    for v in prog.variants:
        for p in v.placements:
            binds = [f".memcpy_params = memcpy.get_params({p.x})"] if v.program.uses_memcpy else []
            binds += [f".{k} = {_value(val)}" for k, val in p.bindings]
            inner = f".{{ {', '.join(binds)} }}" if binds else ".{}"
            file = c_string(v.program.filename)
            out.append(f"{INDENT}@set_tile_code({p.x}, {p.y}, {file}, {inner});")
    out += [INDENT + _route(r) for r in lay.routes]
    for e in lay.exports:
        if e.kind == "fn":
            out.append(f'{INDENT}@export_name({c_string(e.name)}, fn()void);')
        else:
            mut = "true" if e.mutable else "false"
            out.append(f'{INDENT}@export_name({c_string(e.name)}, [*]{e.dtype}, {mut});')
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Host script

_NP_DTYPES = {"f32": "np.float32", "i32": "np.int32", "u32": "np.uint32",
              "f16": "np.uint32", "i16": "np.uint32", "u16": "np.uint32"}


def print_host(prog: m.CslProgram, host: m.HostProgram) -> str:
    """`run.py`: the SdkRuntime call sequence; falls back to the sluice wafer simulator."""
    lay = prog.layout
    symbols = sorted({s.target for s in host.steps if isinstance(s, m.H2D) and not s.streaming}
                     | {s.source for s in host.steps if isinstance(s, m.D2H) and not s.streaming})
    out = [
        '"""Host script (generated by sluice): run with `cs_python run.py --name out`."""',
        "",
        "import argparse",
        "",
        "import numpy as np",
        "",
        "try:",
        "    from cerebras.sdk.runtime.sdkruntimepybind import (",
        "        MemcpyDataType,",
        "        MemcpyOrder,",
        "        SdkRuntime,",
        "    )",
        "except ImportError:  # no Cerebras SDK: run on the sluice wafer simulator",
        "    from sluice.runtime.wafer import MemcpyDataType, MemcpyOrder, SdkRuntime",
        "",
        "",
        "def run(compile_dir, inputs):",
        '    """Run the program on `inputs` (name -> 32-bit array); return the outputs."""',
        "    runner = SdkRuntime(compile_dir)",
    ]
    out += [f"    sym_{identifier(s, 'memcpy symbol')} = runner.get_id({py_string(s)})"
            for s in symbols]
    out += ["    runner.load()", "    runner.run()", "    outputs = {}"]
    for s in host.steps:
        if isinstance(s, m.Launch):
            out.append(f"    runner.launch({py_string(s.fn)}, nonblock={s.nonblock})")
            continue
        kw = (
            f"streaming={s.streaming}, order=MemcpyOrder.{s.order}, "
            f"data_type=MemcpyDataType.MEMCPY_{s.bits}BIT, nonblock={s.nonblock}"
        )
        geo = f"{s.x0}, {s.y0}, {s.w}, {s.h}, {s.elems}"
        if isinstance(s, m.H2D):
            tgt = str(lay.color_id(s.target)) if s.streaming else f"sym_{s.target}"
            src = f"np.ascontiguousarray(inputs[{py_string(s.source)}]).ravel()"
            out.append(f"    runner.memcpy_h2d({tgt}, {src}, {geo}, {kw})")
        else:
            src = str(lay.color_id(s.source)) if s.streaming else f"sym_{s.source}"
            n = s.w * s.h * s.elems
            dest = py_string(s.dest)
            out.append(f"    outputs[{dest}] = np.zeros({n}, dtype={_NP_DTYPES[s.dtype]})")
            out.append(f"    runner.memcpy_d2h(outputs[{dest}], {src}, {geo}, {kw})")
    out += [
        "    runner.stop()",
        "    return outputs",
        "",
        "",
        'if __name__ == "__main__":',
        "    ap = argparse.ArgumentParser()",
        '    ap.add_argument("--name", default="out")',
        '    ap.add_argument("--inputs", default="inputs.npz")',
        '    ap.add_argument("--outputs", default="outputs.npz")',
        "    args = ap.parse_args()",
        "    result = run(args.name, dict(np.load(args.inputs)))",
        "    np.savez(args.outputs, **result)",
    ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Whole programs


def print_files(prog: m.CslProgram, host: m.HostProgram | None = None) -> dict[str, str]:
    """File name -> text: `layout.csl`, one file per variant, and `run.py` if `host`."""
    files = {"layout.csl": print_layout(prog)}
    for v in prog.variants:
        files[v.program.filename] = print_pe_program(v.program)
    if host is not None:
        files["run.py"] = print_host(prog, host)
    return files


def print_stream(prog: m.CslProgram, host: m.HostProgram | None = None) -> str:
    """All files in one text, each introduced by a `// FILE: name` line."""
    return "".join(f"{FILE_MARKER}{name}\n{text}" for name, text in print_files(prog, host).items())


def write_files(prog: m.CslProgram, directory: str, host: m.HostProgram | None = None) -> list[str]:
    """Writes the files into `directory` and returns their paths."""
    import os

    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, text in print_files(prog, host).items():
        path = os.path.join(directory, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        paths.append(path)
    return paths
