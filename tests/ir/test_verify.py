"""Malformed programs: each parses, and the verifier names the rule and the node."""

from __future__ import annotations

import pytest

import sluice.ir as ir
from sluice.errors import VerificationError

HEADER = """program bad(A, B) {
  symbol N: int64
  data A: float64[N]
  data B: float64[N]
"""

# (case name, program body, expected rule, fragment of the message, fragment of the node path)
CASES = [
    ("undefined container",
     """  state s {
    %0 = access C
  }
}""", "undefined-container", "no container named 'C'", "access C"),
    ("undefined symbol in a shape",
     """  data T: float64[M] transient
}""", "undefined-symbol", "undeclared symbol 'M'", "program 'bad'"),
    ("tasklet reads a name that is not a connector",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a + b
    }
    %2 = access B
    %0 -> %1.a : A[0]
    %1.o -> %2 : B[0]
  }
}""", "undefined-symbol", "code reads 'b'", "tasklet 't'"),
    ("output assigned twice",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
      o = 2.0 * a
    }
    %2 = access B
    %0 -> %1.a : A[0]
    %1.o -> %2 : B[0]
  }
}""", "tasklet-code", "assigned 2 times", "tasklet 't'"),
    ("input connector without an edge",
     """  state s {
    %0 = tasklet "t" (a) -> (o) {
      o = a
    }
    %1 = access B
    %0.o -> %1 : B[0]
  }
}""", "connector", "input connector 'a' has 0 incoming edges", "tasklet 't'"),
    ("edge into an unknown connector",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
    }
    %2 = access B
    %0 -> %1.a : A[0]
    %0 -> %1.zz : A[1]
    %1.o -> %2 : B[0]
  }
}""", "connector", "unknown connector 'zz'", "tasklet 't'"),
    ("cycle in a state",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
    }
    %0 -> %1.a : A[0]
    %1.o -> %0 : A[1]
  }
}""", "cycle", "cycle", "state 's'"),
    ("subset rank does not match the container",
     """  state s {
    %0 = access A
    %1 = access B
    %0 -> %1 : A[0, 1] -> B[0:1]
  }
}""", "rank", "has 2 dimensions, the container has 1", "edge access A -> access B"),
    ("constant index out of bounds",
     """  state s {
    %0 = access A
    %1 = access B
    %0 -> %1 : A[0:N + 1] -> B[0:N + 1]
  }
}""", "bounds", "reaches outside dimension 0", "edge access A -> access B"),
    ("map index out of bounds through its range",
     """  state s {
    %0 = access A
    %1 = map [i = 0:N] default "shift" {
      %2 = access A
      %3 = tasklet "t" (a) -> (o) {
        o = a
      }
      %4 = access B
      %2 -> %3.a : A[i + 1]
      %3.o -> %4 : B[i]
    }
    %5 = access B
    %0 -> %1 : A[0:N]
    %1 -> %5 : B[0:N]
  }
}""", "bounds", "A", "map 'shift'"),
    ("write-conflict resolution on a read",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
    }
    %2 = access B
    %0 -> %1.a : A[0] wcr +
    %1.o -> %2 : B[0]
  }
}""", "wcr", "does not write", "tasklet 't'"),
    ("break outside of a loop",
     """  break
}""", "control", "'break' outside of a loop", "break"),
    ("map body reads data that does not enter the map",
     """  state s {
    %0 = map [i = 0:N] default "m" {
      %1 = access A
      %2 = tasklet "t" (a) -> (o) {
        o = a
      }
      %3 = access B
      %1 -> %2.a : A[i]
      %2.o -> %3 : B[i]
    }
    %4 = access B
    %0 -> %4 : B[0:N]
  }
}""", "map", "body reads 'A'", "map 'm'"),
    ("matmul with mismatched inner dimensions",
     """  data M: float64[N, 3] transient
  data K: float64[4, N] transient
  data P: float64[N, N] transient
  state s {
    %0 = access M
    %1 = access K
    %2 = library MatMul {}
    %3 = access P
    %0 -> %2.a : M[0:N, 0:3]
    %1 -> %2.b : K[0:4, 0:N]
    %2.c -> %3 : P[0:N, 0:N]
  }
}""", "library", "inner dimensions differ: 3 vs 4", "library node MatMul"),
    ("tasklet memlet moves more than one element",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
    }
    %2 = access B
    %0 -> %1.a : A[0:N]
    %1.o -> %2 : B[0]
  }
}""", "tasklet-volume", "must address one element", "tasklet 't'"),
    ("copy between subsets of different sizes",
     """  state s {
    %0 = access A
    %1 = access B
    %0 -> %1 : A[0:2] -> B[0:3]
  }
}""", "copy-shape", "copy moves 2 elements into 3", "edge access A -> access B"),
    ("call of an unknown program",
     """  state s {
    %0 = access A
    %1 = call helper (x) -> () {}
    %0 -> %1.x : A[0:N]
  }
}""", "call", "unknown program 'helper'", "call helper"),
    ("loop with a zero step",
     """  symbol i: int64
  for i in range(0, N, 0) {
  }
}""", "control", "loop step is zero", "loop 'i'"),
    ("memlet names another container than its access node",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
    }
    %2 = access B
    %0 -> %1.a : B[0]
    %1.o -> %2 : B[0]
  }
}""", "memlet-data", "memlet names 'B' but reads access node 'A'", "tasklet 't'"),
    ("symbol and container share a name",
     """  symbol A: int64
}""", "name-clash", "'A' is both a symbol and a container", "program 'bad'"),
    ("condition reads an array",
     """  if A > 0.0 {
  }
}""", "undefined-symbol", "condition uses undefined container 'A'", "if"),
    ("loop variable is not declared",
     """  for q in range(0, N, 1) {
  }
}""", "undefined-symbol", "loop variable 'q' is not declared", "loop 'q'"),
    ("unconnected tasklet output",
     """  state s {
    %0 = access A
    %1 = tasklet "t" (a) -> (o) {
      o = a
    }
    %0 -> %1.a : A[0]
  }
}""", "connector", "output connector 'o' is not connected", "tasklet 't'"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_verifier_rejects(case):
    _, body, rule, message, node = case
    p = ir.parse(HEADER + body)
    with pytest.raises(VerificationError) as info:
        p.verify()
    err = info.value
    assert err.rule == rule, str(err)
    assert message in err.message, str(err)
    assert node in (err.node or ""), str(err)
    assert f"[{rule}]" in str(err)


def test_enough_distinct_rules():
    assert len({c[2] for c in CASES}) >= 12


def test_return_value_that_is_also_an_argument():
    p = ir.parse("program bad(A) -> (A) {\n  data A: float64\n}\n")
    with pytest.raises(VerificationError, match=r"\[signature\].*also an argument"):
        p.verify()


def test_callee_is_verified_too():
    text = """program helper(x) {
  data x: float64
  break
}

program main(y) {
  data y: float64
  state s {
    %0 = access y
    %1 = call helper (x) -> (x) {}
    %2 = access y
    %0 -> %1.x : y
    %1.x -> %2 : y
  }
}
"""
    p = ir.parse(text)
    assert set(p.callees) == {"helper"}
    with pytest.raises(VerificationError, match="outside of a loop") as info:
        p.verify()
    assert "program 'helper'" in info.value.node
