"""Tuning: map-nest cut-outs to measure and recipes of loop passes to replay on them
(more to come: embeddings, a database, search).

    from sluice.tuning import Recipe, bind_symbols, extract_nests, try_recipe
    for cut in extract_nests(program, bind_symbols(program, A, B)):
        print(cut.program.name, cut.time())
    tuned = try_recipe(cut.program, Recipe.loads(stored_json))  # None: does not apply
"""

from sluice.tuning.extract import Cutout, bind_symbols, extract_nests
from sluice.tuning.recipe import Recipe, try_recipe

__all__ = ["Cutout", "Recipe", "bind_symbols", "extract_nests", "try_recipe"]
