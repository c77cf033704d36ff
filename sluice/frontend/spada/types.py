"""Value types seen by the checker and the rules that combine them.

Literals are untyped ('int', 'float') until they meet a typed value, as in C: `2.0 * a[k]`
has the type of `a`. Integers convert to floats implicitly; floats never convert to integers
without a cast such as `i32(v)`. Streams move raw memory, so what is sent or received must
have exactly the stream's element type (an untyped literal may be sent where it fits).
"""

from __future__ import annotations

from dataclasses import dataclass

FLOATS = ("f16", "f32", "f64")
INTS = ("i8", "u8", "i16", "u16", "i32", "u32")
_WIDTH = {"f16": 16, "f32": 32, "f64": 64, "i8": 8, "u8": 8, "i16": 16, "u16": 16,
          "i32": 32, "u32": 32}


@dataclass(frozen=True)
class Ty:
    """kind: 'scalar' | 'array' | 'stream' | 'str'. elem: a scalar type name, 'int' or 'float'
    (untyped literal), or 'bool'. shape: array dimensions."""

    kind: str
    elem: str = ""
    shape: tuple[int, ...] = ()

    def __str__(self) -> str:
        if self.kind == "array":
            return f"{self.elem}[{', '.join(map(str, self.shape))}]"
        if self.kind == "stream":
            return f"stream<{self.elem}>"
        if self.kind == "str":
            return "string"
        return {"int": "an integer literal", "float": "a float literal"}.get(self.elem, self.elem)

    @property
    def count(self) -> int:
        """Number of stream elements this value occupies."""
        n = 1
        for d in self.shape:
            n *= d
        return n


def scalar(elem: str) -> Ty:
    return Ty("scalar", elem)


def is_float(elem: str) -> bool:
    return elem in FLOATS or elem == "float"


def is_int(elem: str) -> bool:
    return elem in INTS or elem == "int"


def int_limits(elem: str) -> tuple[int, int]:
    """The smallest and largest value of an integer type."""
    bits = _WIDTH[elem]
    return (0, 2**bits - 1) if elem.startswith("u") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def is_numeric_scalar(t: Ty) -> bool:
    return t.kind == "scalar" and (is_float(t.elem) or is_int(t.elem))


def is_int_scalar(t: Ty) -> bool:
    return t.kind == "scalar" and is_int(t.elem)


def is_condition(t: Ty) -> bool:
    return t.kind == "scalar" and (t.elem == "bool" or is_int(t.elem))


def promote(a: str, b: str) -> str:
    """Result element type of arithmetic between two numeric element types."""
    if is_float(a) or is_float(b):
        typed = [t for t in (a, b) if t in FLOATS]
        return max(typed, key=_WIDTH.__getitem__) if typed else "float"
    typed = [t for t in (a, b) if t in INTS]
    if not typed:
        return "int"
    return max(typed, key=lambda t: (_WIDTH[t], t.startswith("u")))


def assignable(value: str, target: str) -> bool:
    """May a scalar of element type `value` be stored in a `target` variable?"""
    if target == "bool":
        return value == "bool"
    if is_float(target):
        return is_float(value) or is_int(value)
    if is_int(target):
        return is_int(value)
    return False


def sendable(value: str, stream: str) -> bool:
    """May a value of element type `value` travel on a stream of `stream` elements?"""
    if value == "int":
        return is_int(stream) or is_float(stream)
    if value == "float":
        return is_float(stream)
    return value == stream
