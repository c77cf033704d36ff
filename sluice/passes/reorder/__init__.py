"""Operator reordering (PASSES.md §3, §4.3): a symbolic cost model of products (`cost.py`),
chains of two products through a transient (`chains.py`), their emission in either
association (`build.py`) and the `reorder` pass that picks the cheaper one (`reorder.py`)."""

from sluice.passes.reorder.cost import Cost, Factor, chain_cost, product_cost
from sluice.passes.reorder.reorder import Reorder

__all__ = ["Cost", "Factor", "Reorder", "chain_cost", "product_cost"]
