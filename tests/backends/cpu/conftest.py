import os
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "ir"))

# Compiled programs go to a build cache of their own unless the caller chose one, so a test
# run never touches the user's ~/.cache/sluice; setting SLUICE_CACHE_DIR keeps builds warm.
os.environ.setdefault("SLUICE_CACHE_DIR", tempfile.mkdtemp(prefix="sluice-cpu-tests-"))


@pytest.fixture(autouse=True, scope="session")
def _also_bounds_checked(request):
    """`pytest --boundscheck`: every `check` also compares a bounds-checked build."""
    import cpu_helpers

    cpu_helpers.ALSO_CHECKED = bool(request.config.getoption("--boundscheck", False))
