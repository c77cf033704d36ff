"""Minimal reproducer files: the failing program, its exact inputs, and a main that runs it
under NumPy, the interpreter and the CPU backend and prints the three answers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tests.fuzz import values as V
from tests.fuzz.program import LAYOUTS

if TYPE_CHECKING:
    from tests.fuzz.campaign import Failure
    from tests.fuzz.gen import Program

_MAIN = '''

if __name__ == "__main__":
    import warnings

    import sluice

    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    np.set_printoptions(precision=17, floatmode="unique")
    for target in ("numpy", "interpret", "cpu"):
        try:
            if target == "numpy":
                out = f(*args())
            elif target == "interpret":
                a = args()
                out = sluice.jit(f).compile("interpret", *a)(*a)
            else:
                out = sluice.jit(f)(*args())
            print(f"{target:>9}:", repr(out))
        except Exception as err:
            print(f"{target:>9}: {type(err).__name__}: {err}")
'''


def _arg_source(value: object) -> str:
    if isinstance(value, np.ndarray):
        return V.array_source(value)
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({V.literal(value.item())})"
    return V.literal(value)


def args_source(prog: Program) -> str:
    lines = ["def args():"]
    for a in prog.args:
        if a.alias_of is not None:
            rhs = a.alias_of if a.view is None else f"{a.alias_of}[{a.view}]"
        else:
            rhs = _arg_source(a.value)
            if a.layout is not None:
                rhs = LAYOUTS[a.layout].format(v=rhs)
        lines.append(f"    {a.name} = {rhs}")
    lines.append(f"    return [{', '.join(a.name for a in prog.args)}]")
    return "\n".join(lines)


def reproducer_source(prog: Program, header: str) -> str:
    doc = header.replace('"""', "'''").replace("\\", "\\\\")
    return f'"""{doc}\n"""\n{prog.source()}\n\n{args_source(prog)}\n{_MAIN}'


def write_reproducer(out_dir: Path, fail: Failure) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    head = (f"sluice fuzz reproducer: {fail.kind} on {fail.target} (seed {fail.program.seed})\n"
            f"families: {', '.join(sorted(fail.families))}\n\n{fail.detail}")
    text = reproducer_source(fail.program, head)
    name = hashlib.sha256(text.encode()).hexdigest()[:10]
    path = out_dir / f"{fail.kind}_{fail.target.replace('?', 'proc')}_{name}.py"
    path.write_text(text)
    return path
