"""Calls: NumPy functions and array methods (through the rule tables in rules.py), builtins,
and calls to other Python functions or sluice programs, which are traced in place (inlined)
with their own local scope."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import types
import warnings
from typing import Any

import numpy as np

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import masks, returns, ufunc_options
from sluice.frontend.python.source import load
from sluice.frontend.python.values import (
    Elem,
    Masked,
    Py,
    Sym,
    View,
    involved,
    is_element,
    python_lacks,
)


def unwrap(obj: Any) -> Any:
    """The Python function behind a sluice program object, or None."""
    inner = getattr(obj, "__sluice_function__", None)
    if inner is not None:
        return inner
    if isinstance(obj, types.FunctionType):
        return obj
    return None


def _strong(v: Any) -> Any:
    """NumPy functions return NumPy scalars and arrays, never Python numbers: their results
    take part in promotion with their own type (`int16_array - np.sign(3)` is int64)."""
    if isinstance(v, tuple):
        return tuple(_strong(x) for x in v)
    if isinstance(v, Sym | View | Elem) and v.weak:
        return dataclasses.replace(v, weak=False)
    return v


class CallLowering:
    """Mixin of the Tracer for `ast.Call`."""

    def _check_binding(self, rule: Any, what: str, node: ast.Call, *args: Any,
                       **kwargs: Any) -> None:
        """A clear error for arguments the rule does not take (not a TypeError from it)."""
        try:
            inspect.signature(rule).bind(self, node, *args, **kwargs)
        except TypeError as err:
            why = re.sub(r"^\w+\(\) ", "", str(err))
            raise SluiceError(f"bad arguments to {what}: {why}", self.loc(node),
                              hint="see the supported arguments in sluice/frontend/python/"
                              "README.md") from None

    def ev_call(self, node: ast.Call) -> Any:
        from sluice.frontend.python.rules import BUILTINS, FUNCTIONS, METHODS
        from sluice.frontend.python.rules.elementwise import ufunc_method

        for a in node.args:
            if isinstance(a, ast.Starred):
                raise UnsupportedError("star-arguments ('*args') are not supported",
                                       self.loc(a), hint="pass the arguments one by one")
        for k in node.keywords:
            if k.arg is None:
                raise UnsupportedError("'**kwargs' arguments are not supported", self.loc(k),
                                       hint="pass keyword arguments by name")
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.ev(func.value)
            if isinstance(base, Masked):
                args, kwargs = self.call_args(node)
                return masks.method(self, node, base, func.attr, args, kwargs)
            if isinstance(base, View | Elem | Sym):
                lacks = python_lacks(base, func.attr)
                if lacks is not None:
                    raise SluiceTypeError(lacks, self.loc(node),
                                          hint="Python numbers are not NumPy scalars: "
                                               "np.float64(x) has the array methods")
                rule = METHODS.get(func.attr)
                if rule is None:
                    raise UnsupportedError(f"array method '.{func.attr}()' is not supported",
                                           self.loc(node),
                                           hint="supported: " + ", ".join(sorted(METHODS)))
                args, kwargs = self.call_args(node)
                self._check_binding(rule, f"'.{func.attr}()'", node, base, *args, **kwargs)
                return rule(self, node, base, *args, **kwargs)
            callee = self.ev_attribute(func)
        else:
            callee = self.ev(func)
        if not isinstance(callee, Py):
            raise UnsupportedError("this value cannot be called", self.loc(node))
        obj = callee.obj
        args, kwargs = self.call_args(node)
        numpy_rule = _lookup(FUNCTIONS, obj) or ufunc_method(obj)
        rule = numpy_rule or _lookup(BUILTINS, obj)
        if numpy_rule is not None and ufunc_options.takes_options(obj, args, kwargs):
            self.callees[node] = obj
            return _strong(ufunc_options.call(self, node, obj, numpy_rule, args, kwargs,
                                              _name(obj)))
        if rule is not None:
            self._check_binding(rule, _name(obj), node, *args, **kwargs)
            self.callees[node] = obj
            if involved(args):
                out = masks.call(self, node, obj, _name(obj), rule, args, kwargs)
            else:
                out = rule(self, node, *args, **kwargs)
            return _strong(out) if numpy_rule is not None else out
        fn = unwrap(obj)
        if fn is not None and _is_implementation(fn):  # one calling another
            return self.inline(fn, args, kwargs, node, library=True)
        if fn is not None and not _is_library(fn):
            return self.inline(fn, args, kwargs, node)
        raise UnsupportedError(f"call to {_name(obj)} is not supported", self.loc(node),
                               hint="supported: NumPy element-wise functions, reductions, "
                               "array creation, linear algebra (@, dot, einsum) and calls to "
                               "your own functions")

    def call_args(self, node: ast.Call) -> tuple[list[Any], dict[str, Any]]:
        args = [self.ev(a) for a in node.args]
        kwargs = {k.arg: self.ev(k.value) for k in node.keywords}
        return args, kwargs

    # --- calls to Python functions --------------------------------------------------------
    def inline(self, fn: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST,
               library: bool = False) -> Any:
        """Trace `fn` in place; `library`: sluice's implementation of a NumPy function
        (numpy_impl/), whose errors point at the user's call."""
        if any(f.fs.func is fn for f in self.frames):
            raise UnsupportedError(f"recursive call of '{fn.__name__}' is not supported",
                                   self.loc(node), hint="rewrite the recursion as a loop")
        fs = returns.single_exit(load(fn))
        self.record_callee(fn, fs)
        sig = inspect.signature(fn)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as err:
            raise SluiceError(f"bad call of '{fn.__name__}': {err}", self.loc(node)) from None
        env: dict[str, Any] = {}
        for name, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise UnsupportedError("'*args'/'**kwargs' parameters are not supported",
                                       self.loc(node))
            if name in bound.arguments:
                v = bound.arguments[name]
                # an element passed in is a NumPy scalar: the callee's writes to the array
                # do not change it
                env[name] = self.snapshot(v) if is_element(v) else v
            else:
                env[name] = self.from_python(p.default, node)
        return self.run_function(fs, env, inlined=True,
                                 shown_at=self.loc(node) if library else None)

    def from_python(self, v: Any, node: ast.AST) -> Any:
        from sluice.frontend.python.values import const

        if isinstance(v, bool | int | float | complex | np.generic):
            return const(v)
        if isinstance(v, tuple):
            return tuple(self.from_python(x, node) for x in v)
        if isinstance(v, np.ndarray):
            raise UnsupportedError("array default values are not supported", self.loc(node))
        return Py(v)


def _lookup(table: dict, obj: Any) -> Any:
    try:
        return table.get(obj)
    except TypeError:  # unhashable
        return None


def _is_implementation(fn: Any) -> bool:
    return (getattr(fn, "__module__", "") or "").startswith("sluice.frontend.python.numpy_impl")


def _is_library(fn: Any) -> bool:
    mod = getattr(fn, "__module__", "") or ""
    return mod.split(".")[0] in ("numpy", "scipy", "builtins", "sluice")


def _name(obj: Any) -> str:
    """How the user spells `obj`: np.linalg.inv, 'print', 'helper'."""
    name = getattr(obj, "__name__", None)
    if name is not None:
        with warnings.catch_warnings():  # (NumPy 1.x warns on np.bool, np.object, ...)
            warnings.simplefilter("ignore", FutureWarning)
            if getattr(np, name, None) is obj:
                return f"np.{name}"
            for sub in ("linalg", "fft", "random", "ma", "polynomial", "char", "strings"):
                if getattr(getattr(np, sub, None), name, None) is obj:
                    return f"np.{sub}.{name}"
    return f"'{getattr(obj, '__qualname__', None) or name or type(obj).__name__}'"
