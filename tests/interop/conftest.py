import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[0] / "ir"))

# Compiled programs go to a build cache of their own unless the caller chose one, so a test
# run never touches the user's ~/.cache/sluice; setting SLUICE_CACHE_DIR keeps builds warm.
os.environ.setdefault("SLUICE_CACHE_DIR", tempfile.mkdtemp(prefix="sluice-interop-tests-"))


def pytest_configure(config) -> None:
    # scripts/test.sh runs this folder in .venv-dace with SLUICE_REQUIRE_DACE=1: there the
    # DaCe tests must run, so a broken DaCe install fails the run instead of skipping them.
    if os.environ.get("SLUICE_REQUIRE_DACE") == "1":
        import dace  # noqa: F401
