"""Loop-nest transformations of top-level map nests, legal by islpy dependence analysis.

    from sluice.passes.loops import Tile, Interchange, Parallelize, map_nests
    Tile(nest=0, sizes=(32, 32)).apply(program)        # IllegalTransformation if not provable
    Interchange.schedule_space(program, nest=0)        # every legal parameterisation

Importing this package registers `loop-tiling`, `loop-interchange`, `loop-parallelize`,
`loop-vectorize` and `loop-unroll`.
"""

from sluice.passes.loops.dependence import (
    Dependences,
    IllegalTransformation,
    NotAffine,
    analyse,
)
from sluice.passes.loops.interchange import Interchange
from sluice.passes.loops.nest import Loop, MapNest, map_nests, nest_at, rebuild
from sluice.passes.loops.parallel import Parallelize
from sluice.passes.loops.tile import Tile
from sluice.passes.loops.unroll import Unroll
from sluice.passes.loops.vectorize import Vectorize

__all__ = [
    "Dependences",
    "IllegalTransformation",
    "Interchange",
    "Loop",
    "MapNest",
    "NotAffine",
    "Parallelize",
    "Tile",
    "Unroll",
    "Vectorize",
    "analyse",
    "map_nests",
    "nest_at",
    "rebuild",
]
