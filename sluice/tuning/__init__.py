"""Tuning: map-nest cut-outs to measure (more to come: embeddings, a database, search).

from sluice.tuning import extract_nests
for cut in extract_nests(program, {"N": 256, "M": 256}):
    print(cut.program.name, cut.time())
"""

from sluice.tuning.extract import Cutout, bind_symbols, extract_nests

__all__ = ["Cutout", "bind_symbols", "extract_nests"]
