"""Wafer simulator: executes CSL models (docs/CSL.md §2.2) behind an SdkRuntime-like API."""

from sluice.runtime.wafer.host import MemcpyDataType, MemcpyOrder, SdkRuntime, Symbol, Task
from sluice.runtime.wafer.params import ARCH_PARAMS, ArchParams
from sluice.runtime.wafer.sim import Simulator

__all__ = [
    "ARCH_PARAMS", "ArchParams", "MemcpyDataType", "MemcpyOrder", "SdkRuntime", "Simulator",
    "Symbol", "Task",
]
