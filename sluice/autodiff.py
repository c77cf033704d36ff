"""Gradients of compiled functions, shaped like JAX's API: `grad`, `value_and_grad`, `vjp`,
`check_grads`.

    g = sluice.grad(loss)            # d loss / d (first argument)
    dA, dx = sluice.grad(loss, argnums=(0, 1))(A, x)
    g.trace(A, x)                    # the joint forward + backward IR

The function is traced as `@sluice.jit` traces it (a `@sluice.jit` or `@sluice.program`
function is used as it is), differentiated on the IR (`sluice.passes.autodiff`) and the
joint program is compiled like any other, once per argument signature. Arguments the
program writes are copied before the call, so a function that updates its arguments in
place (plain NumPy code does) leaves the caller's arrays as they were, as a JAX function
would.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sluice import display
from sluice.api import DEFAULT_TARGET, INTERPRET, SluiceFunction, _backend, jit
from sluice.errors import SluiceError
from sluice.ir import interpret
from sluice.ir.data import Array
from sluice.ir.program import Program
from sluice.ir.serialize import from_json
from sluice.passes.autodiff.budget import choose, loop_options
from sluice.passes.autodiff.plan import Plan, check_budget, loop_bytes, parse_budget, plan
from sluice.passes.autodiff.reverse import differentiate
from sluice.passes.autodiff.whiles import counting_program, has_whiles
from sluice.passes.util import written_containers
from sluice.tracebacks import user_api


class GradFunction:
    """The gradient (with `value=True`, also the value) of a function's first result with
    respect to the arguments `argnums`."""

    def __init__(self, fn: Callable[..., Any], argnums: int | Sequence[int] = 0,
                 has_aux: bool = False, value: bool = False,
                 target: str = DEFAULT_TARGET,
                 memory_budget: int | float | str | None = None) -> None:
        self.function = fn if isinstance(fn, SluiceFunction) else jit(fn)
        self.single = isinstance(argnums, int)
        self.argnums = (argnums,) if self.single else tuple(argnums)
        if not self.argnums or not all(isinstance(k, int) for k in self.argnums):
            raise SluiceError(f"argnums must be an int or a tuple of ints, not {argnums!r}")
        self.has_aux, self.value, self.target = has_aux, value, target
        self.memory_budget = None if memory_budget is None else parse_budget(memory_budget)
        self._checked_shapes: dict[tuple, tuple] = {}  # shapes -> (joint, lengths, plan)
        functools.update_wrapper(self, self.function.__sluice_function__)

    # --- the joint program ------------------------------------------------------------------
    def _joint(self, args: tuple, kwargs: dict) -> tuple[Any, Program, list[Any]]:
        f = self.function
        values = f._bind(args, kwargs)
        entry = f._entry(values)
        forward = entry.traced.program
        call_args = f._call_args(entry.traced, values)
        key = ("grad", self.argnums, self.has_aux)
        joint = entry.runners.get(key)
        if joint is None:
            wrt = entry.runners[("grad-wrt", self.argnums)] = self._wrt(forward, values)
            joint = differentiate(forward, self._output(forward), wrt)
            entry.runners[key] = joint
        return entry, joint, call_args

    def _output(self, forward: Program) -> str:
        returns = forward.returns
        name = self.function.__name__
        if not returns:
            raise SluiceError(f"{name}() returns nothing: a gradient needs a result")
        if self.has_aux and len(returns) < 2:
            raise SluiceError(f"has_aux=True, but {name}() returns one value",
                              hint="return (loss, aux)")
        if len(returns) > 1 and not self.has_aux:
            raise SluiceError(f"{name}() returns {len(returns)} values; grad differentiates "
                              "one", hint="return one scalar, or (loss, aux) with "
                                          "has_aux=True")
        out = forward.data[returns[0]]
        if isinstance(out, Array) and out.shape:
            raise SluiceError(f"grad needs a scalar result, but {name}() returns an array",
                              hint="reduce it (np.sum), or use sluice.vjp")
        return returns[0]

    def _wrt(self, forward: Program, values: dict[str, Any]) -> list[str]:
        params = list(values)
        names, k = {}, 0  # parameter -> program argument (a tuple's members take several)
        for n in params:
            passed = self.function._runtime(n, values[n])
            if len(passed) == 1 and passed[0] is values[n] and k < len(forward.args):
                names[n] = forward.args[k]
            k += len(passed)
        out = []
        for k in self.argnums:
            if not -len(params) <= k < len(params):
                raise SluiceError(f"argnums {k} is out of range for {len(params)} arguments")
            param = params[k]
            if not _differentiable(values[param]):
                raise SluiceError(f"cannot differentiate with respect to argument '{param}', "
                                  f"a {type(values[param]).__name__}"
                                  + (f" of {values[param].dtype}"
                                     if isinstance(values[param], np.ndarray) else "")
                                  + ": only floating-point arguments have gradients",
                                  hint="integer and boolean data is not differentiated")
            if param not in names:
                raise SluiceError(f"cannot differentiate with respect to argument '{param}': "
                                  "it is a compile-time constant, not an array or a number")
            out.append(names[param])
        return out

    def _runner(self, entry: Any, key: tuple, program: Program | Callable[[], Program]
                ) -> Callable[..., Any]:
        """`program` (or what the callable makes, only when needed) compiled for the
        target, once per trace."""
        key = (*key, self.target)
        run = entry.runners.get(key)
        if run is not None:
            return run
        with entry.building:  # (threads calling a cold gradient build it once)
            run = entry.runners.get(key)
            if run is None:
                program = program() if callable(program) else program
                mod = _backend(self.target) if self.target != INTERPRET else None
                build = getattr(mod, "build", None) if mod is not None else None
                run = build(program) if build is not None else functools.partial(interpret,
                                                                                  program)
                entry.runners[key] = run
        return run

    def _trip_counts(self, entry: Any, call_args: list[Any]) -> list[int]:
        """How often each while loop runs, from a counting run (see whiles.py)."""
        forward = entry.traced.program
        if not has_whiles(forward):
            return []
        counting = entry.runners.get("grad-trips-program")
        if counting is None:
            counting = entry.runners["grad-trips-program"] = counting_program(forward)
        out = self._runner(entry, ("grad-trips",), counting)(*_copies(call_args))
        return [int(n) for n in (out if isinstance(out, tuple) else (out,))]

    # --- calls ------------------------------------------------------------------------------
    @user_api
    def trace(self, *args: Any, **kwargs: Any) -> Program:
        """The joint forward + backward program for these arguments."""
        return self._joint(args, kwargs)[1]

    @user_api
    def plan(self, *args: Any, **kwargs: Any) -> Plan:
        """What the gradient stores (or checkpoints) for these arguments and the memory it
        needs: a table, `print(g.plan(A, x))`."""
        entry, joint, call_args = self._joint(args, kwargs)
        trips = self._trip_counts(entry, call_args)
        return self._choose(entry, joint, call_args, trips)[2]

    def _choose(self, entry: Any, joint: Program, call_args: list[Any], trips: list[int]
                ) -> tuple[Program, list[int], Plan]:
        """The joint program for this call: store everything if that fits the budget (or
        there is none); else, per outermost loop, store or checkpoint it (and with which
        segment length), as the integer program of `budget.py` decides; a budget below
        every choice is refused."""
        key = (id(joint), tuple(np.shape(a) for a in call_args), tuple(trips))
        chosen = self._checked_shapes.get(key)
        if chosen is not None:
            return chosen
        stored = plan(joint, [*call_args, *trips, 0.0])
        chosen = (joint, [], stored)
        if self.memory_budget is not None and stored.peak_bytes > self.memory_budget:
            chosen = self._checkpointed(entry, stored, [*call_args, *trips])
        self._checked_shapes[key] = chosen
        return chosen

    def _checkpointed(self, entry: Any, stored: Plan, args: list[Any]
                      ) -> tuple[Program, list[int], Plan]:
        per_loop = loop_bytes(stored)
        if not per_loop:
            check_budget(stored, self.memory_budget)
        every_loop = self._differentiated(entry, True)
        n = sum(1 for a in every_loop.args if a.startswith("ckpt_every"))

        def memory(loop: int, length: int) -> int:
            lengths = [length if k == loop else 1 for k in range(n)]
            return loop_bytes(plan(every_loop, [*args, *lengths, 0.0])).get(loop, 0)
        base = stored.peak_bytes - sum(per_loop.values())
        picked = choose(base, loop_options(per_loop, memory), self.memory_budget)
        lengths = {loop: c.length for loop, c in picked.items() if c.length is not None}
        joint = self._differentiated(entry, frozenset(lengths))
        every = [lengths[k] for k in sorted(lengths)]
        final = plan(joint, [*args, *every, 0.0])
        check_budget(final, self.memory_budget)
        return joint, every, final

    def _differentiated(self, entry: Any, checkpoint: bool | frozenset[int]) -> Program:
        """The joint program with these outermost loops checkpointed (cached per trace)."""
        key = ("grad-checkpointed", self.argnums, self.has_aux, checkpoint)
        joint = entry.runners.get(key)
        if joint is None:
            forward = entry.traced.program
            joint = entry.runners[key] = differentiate(
                forward, self._output(forward), entry.runners[("grad-wrt", self.argnums)],
                checkpoint=checkpoint)
        return joint

    def run(self, args: tuple, kwargs: dict, seed: Any, results: bool = True
            ) -> tuple[list[Any], list[Any]]:
        """(forward results, gradients) for a cotangent `seed` of the first result;
        `results=False`: the gradients alone (no results), and the forward work that only
        the results need is left out (`_gradients_only`)."""
        entry, joint, call_args = self._joint(args, kwargs)
        trips = self._trip_counts(entry, call_args)
        if self.memory_budget is not None:
            joint, every, _ = self._choose(entry, joint, call_args, trips)
        else:
            every = []
        written = _written_args(entry, joint)
        call_args = [a.copy() if k in written and isinstance(a, np.ndarray) else a
                     for k, a in enumerate(call_args)]
        key = ("grad-runner", self.argnums, self.has_aux, id(joint), results)
        program = joint if results else functools.partial(_gradients_only, joint,
                                                          len(self.argnums))
        out = self._runner(entry, key, program)(*call_args, *trips, *every, seed)
        out = out if isinstance(out, tuple) else (out,)
        n = len(out) - len(self.argnums)
        return list(out[:n]), list(out[n:])

    @user_api
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.value and not self.has_aux:
            grads = self.run(args, kwargs, 1.0, results=False)[1]
            return grads[0] if self.single else tuple(grads)
        results, grads = self.run(args, kwargs, 1.0)
        g = grads[0] if self.single else tuple(grads)
        value = results[0]
        if self.has_aux:
            aux = results[1] if len(results) == 2 else tuple(results[1:])
            return ((value, aux), g) if self.value else (g, aux)
        return (value, g) if self.value else g

    def __repr__(self) -> str:
        kind = "value_and_grad" if self.value else "grad"
        return f"<sluice.{kind} of {self.function.__qualname__}, argnums={self.argnums}>"

    def _repr_html_(self) -> str:
        kind = "value_and_grad" if self.value else "grad"
        budget = "none" if self.memory_budget is None else f"{self.memory_budget} bytes"
        about = {"with respect to": ", ".join(f"argument {k}" for k in self.argnums),
                 "returns": ("(value, gradient)" if self.value else "the gradient")
                 + (" and the auxiliary results" if self.has_aux else ""),
                 "target": self.target, "memory budget": budget}
        return display.card(f"sluice.{kind} of {self.function.__qualname__}",
                            [display.facts(about), display.tag("div", "of ")
                             + display.Html(self.function._repr_html_())])


def _gradients_only(joint: Program, n_grads: int) -> Program:
    """`joint` returning only its last `n_grads` results (the gradients): the forward
    results become transients, so the backend's dead-data pass drops what computes only
    them (go_fast's `a + trace` and its sum; the backward pass never reads them)."""
    p = from_json(joint.to_json())
    for name in p.returns[:-n_grads]:
        p.data[name].transient = True
    p.returns = p.returns[-n_grads:]
    return p


@user_api
def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
         target: str = DEFAULT_TARGET,
         memory_budget: int | float | str | None = None) -> GradFunction:
    """The gradient of `fn`'s scalar result with respect to the arguments `argnums`.
    `memory_budget` (bytes, or a size such as "256MB"): refuse a call whose gradient would
    need more (see `.plan(*args)`)."""
    return GradFunction(fn, argnums, has_aux, value=False, target=target,
                        memory_budget=memory_budget)


@user_api
def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False, target: str = DEFAULT_TARGET,
                   memory_budget: int | float | str | None = None) -> GradFunction:
    """`(value, gradient)` of `fn`, computed in one run."""
    return GradFunction(fn, argnums, has_aux, value=True, target=target,
                        memory_budget=memory_budget)


@user_api
def vjp(fn: Callable[..., Any], *args: Any, target: str = DEFAULT_TARGET
        ) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """`(fn(*args), vjp_fn)`: `vjp_fn(cotangent)` is the tuple of the cotangent's
    products with the Jacobians of `fn` with respect to each array or number argument."""
    nums = tuple(k for k, a in enumerate(args) if _differentiable(a))
    if not nums:
        raise SluiceError("vjp needs at least one floating-point argument")
    g = GradFunction(fn, nums, target=target)
    primal = g.function(*_copies(list(args)))
    g._output = lambda forward: forward.returns[0]  # (any shape: the cotangent has it)

    @user_api
    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        first = primal[0] if isinstance(primal, tuple) else primal
        if np.shape(cotangent) != np.shape(first):
            raise SluiceError(f"the cotangent has shape {np.shape(cotangent)}, but the "
                              f"result has shape {np.shape(first)}")
        return tuple(g.run(args, {}, cotangent)[1])
    return primal, vjp_fn


def _differentiable(a: Any) -> bool:
    return isinstance(a, float | np.floating) or (isinstance(a, np.ndarray)
                                                   and a.dtype.kind == "f")


@user_api
def check_grads(fn: Callable[..., Any], args: Sequence[Any], eps: float = 1e-6,
                rtol: float = 1e-5, atol: float = 1e-8, seed: int = 0,
                target: str = DEFAULT_TARGET) -> None:
    """Compare `grad(fn)` with central finite differences (in float64) along a random
    direction per floating-point argument; raise AssertionError where they differ."""
    args = list(args)
    nums = [k for k, a in enumerate(args) if _differentiable(a)]
    if not nums:
        raise SluiceError("check_grads needs at least one floating-point argument")
    grads = grad(fn, tuple(nums), target=target)(*args)
    f = fn.__sluice_function__ if isinstance(fn, SluiceFunction) else fn
    rng = np.random.default_rng(seed)
    for k, gk in zip(nums, grads, strict=True):
        direction = rng.standard_normal(np.shape(args[k]))
        hi, lo = list(args), list(args)
        hi[k] = args[k] + eps * direction
        lo[k] = args[k] - eps * direction
        numeric = (float(f(*_copies(hi))) - float(f(*_copies(lo)))) / (2 * eps)
        analytic = float(np.sum(np.asarray(gk) * direction))
        if not np.isclose(analytic, numeric, rtol=rtol, atol=atol):
            raise AssertionError(f"gradient of argument {k}: {analytic!r} along a random "
                                 f"direction, finite differences give {numeric!r}")


def _written_args(entry: Any, joint: Program) -> frozenset[int]:
    """Positions of the arguments that `joint` writes (updated in place, as plain NumPy code
    does): those are copied before the call, so the caller's arrays stay as they were."""
    key = ("grad-written-args", id(joint))
    out = entry.runners.get(key)
    if out is None:
        written = set()
        for st in joint.body.states():
            written |= written_containers(joint, st.graph)
        out = entry.runners[key] = frozenset(k for k, n in enumerate(joint.args)
                                             if n in written)
    return out


def _copies(args: Sequence[Any]) -> list[Any]:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


__all__ = ["GradFunction", "check_grads", "grad", "value_and_grad", "vjp"]
