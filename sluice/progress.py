"""Progress bars (tqdm) for work that may take more than about two seconds: simulator runs,
interpreter runs, benchmark suites, compiles.

A bar shows only on a terminal (stderr is a TTY) or in a Jupyter kernel that can show
widgets (ipywidgets installed: the bar is a widget there), and only once the work has run for
`DELAY_S`, so short runs print nothing; `$SLUICE_PROGRESS=1` shows bars also when stderr is
not a terminal, `$SLUICE_PROGRESS=0` never. Only the outermost bar of a thread shows: work
inside work that has a bar (a simulation inside a benchmark) leaves it alone.

    with Progress("launch", unit="cycle", every=256) as bar:
        while ...:
            bar.advance()           # cheap: the bar itself is touched every 256 units
            bar.note(active_PEs=n)  # shown after the count

Work that cannot hold a `with` block open (a generator that may be abandoned) takes the bar
of its caller: an unentered `Progress` counts and shows nothing.

Work with nothing to count (a compiler subprocess) shows the time it has taken so far, and
work whose count stands still for long (a child process per item) keeps its time going:

    with elapsed("compile f with g++"):
        subprocess.run(...)
    with Progress("probe", total=n, unit="kernel") as bar, bar.clock():
        ...
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

VARIABLE = "SLUICE_PROGRESS"
DELAY_S = 2.0
REDRAW_S = 0.1  # at most this often
TICK_S = 0.1  # how often a `clock` redraws its bar
ELAPSED_FORMAT = "{desc}: {elapsed}"  # (`elapsed` has no count to show)
_OFF = ("0", "off", "no", "none", "false")
_outermost = threading.local()  # .bar: the Progress shown in this thread, if any


def forced() -> bool | None:
    """`$SLUICE_PROGRESS`: True (always), False (never), None (unset or `auto`: on a TTY)."""
    value = os.environ.get(VARIABLE, "").strip().lower()
    if value in ("", "auto"):
        return None
    return value not in _OFF


def wanted() -> bool:
    """Whether bars show in this process now."""
    force = forced()
    if force is not None:
        return force
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) or widgets()


def widgets() -> bool:
    """Whether bars are widgets: this process is a Jupyter kernel (whose stderr is no
    terminal) and ipywidgets is installed (without it, tqdm's notebook bar is text)."""
    if "ipykernel" not in sys.modules:  # (cheap: never true in a terminal or the CLI)
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return (shell is not None and hasattr(shell, "kernel")
            and importlib.util.find_spec("ipywidgets") is not None)


class Progress:
    """A count of done work (in `unit`s, singular; out of `total` when known) that a bar
    shows once it has taken `DELAY_S`; `every` units pass between looks at the bar."""

    def __init__(self, what: str, total: int | None = None, unit: str = "it",
                 every: int = 1, start: int = 0, leave: bool = False,
                 bar_format: str | None = None) -> None:
        self.what, self.total, self.unit, self.leave = what, total, unit, leave
        self.bar_format = bar_format  # tqdm's; None: its count, rate and time
        self.every = every
        self.position = start
        self._info: dict[str, Any] = {}
        self._bar: Any = None  # the tqdm bar, while this Progress is the thread's outermost
        self._next = math.inf  # the position at which to update the bar next
        self._started = 0.0  # time.monotonic() when the bar was made

    @property
    def shown(self) -> bool:
        """Whether this Progress drives a bar (which tqdm draws once `DELAY_S` has passed)."""
        return self._bar is not None

    def __enter__(self) -> Progress:
        if getattr(_outermost, "bar", None) is None and wanted():
            # (imported only here: short runs and the CLI never import tqdm)
            if widgets():
                from tqdm.notebook import tqdm
            else:
                from tqdm import tqdm

            self._bar = tqdm(desc=self.what, total=self.total, unit=f" {self.unit}s",
                             unit_scale=self.total is None,  # (132k cycles; 3/5 kernels)
                             initial=self.position, delay=DELAY_S, mininterval=REDRAW_S,
                             miniters=1,  # (tqdm's own guess skips updates after a jump)
                             leave=self.leave, file=sys.stderr, dynamic_ncols=True,
                             bar_format=self.bar_format)
            _outermost.bar = self
            self._next = self.position + self.every
            self._started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            if exc[0] is None:
                self._refresh()
            self._bar.close()
            self._bar = None
            _outermost.bar = None
            self._next = math.inf

    def advance(self, units: int = 1) -> None:
        self.position += units
        if self.position >= self._next:
            self._refresh()

    def moved_to(self, position: int) -> None:
        """The count is `position` now (the simulator's cycle, which can jump)."""
        self.position = position
        if position >= self._next:
            self._refresh()

    def note(self, **info: Any) -> None:
        """Figures shown after the count (`active_PEs=12`), from the next update on."""
        if self._bar is not None:
            self._info.update(info)

    def _refresh(self) -> None:
        bar = self._bar
        self._show_info(bar)
        bar.update(self.position - bar.n)  # (tqdm redraws at most every 0.1 s)
        self._next = self.position + self.every

    def _show_info(self, bar: Any) -> None:
        if self._info:
            bar.set_postfix({k.replace("_", " "): v for k, v in self._info.items()},
                            refresh=False)

    @contextlib.contextmanager
    def clock(self) -> Iterator[None]:
        """While the block runs, the bar redraws every `TICK_S` even where the count stands
        still, so that its time goes on and it shows once `DELAY_S` has passed (tqdm looks at
        the time only when the count moves): for work that blocks, such as a compiler or a
        child process. A thread does it, only where this Progress drives a bar."""
        if self._bar is None:
            yield
            return
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(TICK_S):
                self._redraw()

        ticker = threading.Thread(target=tick, name=f"sluice progress: {self.what}",
                                  daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()

    def _redraw(self) -> None:
        bar = self._bar  # (None once the block has closed it)
        if bar is None or time.monotonic() - self._started < bar.delay:
            return
        self._show_info(bar)
        bar.refresh()  # (under tqdm's lock, which lines printed by `writing` take too)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Lines printed to the terminal inside this block do not tear the bar."""
        if self._bar is None:
            yield
            return
        with self._bar.external_write_mode(file=sys.stderr):
            yield


@contextlib.contextmanager
def elapsed(what: str) -> Iterator[Progress]:
    """While the block runs, `what` and the time it has taken so far, shown as the other bars
    are (after `DELAY_S`, on a terminal, outermost only): for work with nothing to count."""
    with Progress(what, bar_format=ELAPSED_FORMAT) as bar, bar.clock():
        yield bar
