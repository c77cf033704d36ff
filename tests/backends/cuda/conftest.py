import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "cpu"))
sys.path.insert(0, str(HERE.parents[1] / "ir"))

# Builds go to a cache of their own unless the caller chose one (SLUICE_CACHE_DIR).
os.environ.setdefault("SLUICE_CACHE_DIR", tempfile.mkdtemp(prefix="sluice-cuda-tests-"))
