"""The sluice IR: a stateful dataflow multigraph with structured control flow.

Everything a frontend builds and a pass or backend consumes lives here; this package
imports nothing else of sluice but `sluice.errors`.
"""

from sluice.ir import library
from sluice.ir.builder import GraphBuilder, ProgramBuilder
from sluice.ir.control import (
    Assign,
    Block,
    Branch,
    Break,
    Continue,
    Loop,
    Region,
    Return,
    State,
    While,
)
from sluice.ir.data import CSR, Array, Container, Scalar, Storage, Stream
from sluice.ir.dtypes import DType
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.interpreter import interpret
from sluice.ir.library import SDDMM, MatMul, Reduce, Softmax, SpMM, Transpose
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import LIBRARY, Access, Call, LibraryNode, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.serialize import from_json, to_json
from sluice.ir.symbolic import symbol
from sluice.ir.text import parse, parse_expr, parse_memlet
from sluice.ir.verify import verify

__all__ = [
    "Access", "Array", "Assign", "Block", "Branch", "Break", "CSR", "Call", "Container",
    "Continue", "DType", "DataflowGraph", "Edge", "GraphBuilder", "Index", "LIBRARY",
    "LibraryNode", "Loop", "Map", "MatMul", "Memlet", "Node", "Program", "ProgramBuilder",
    "Range", "Reduce", "Region", "Return", "SDDMM", "Scalar", "Schedule", "Softmax", "SpMM",
    "State", "Storage", "Stream", "Tasklet", "Transpose", "While", "from_json", "interpret",
    "library", "parse", "parse_expr", "parse_memlet", "symbol", "to_json", "verify",
]
