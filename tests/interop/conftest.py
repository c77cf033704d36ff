import os
import tempfile

# Compiled programs go to a build cache of their own unless the caller chose one, so a test
# run never touches the user's ~/.cache/sluice; setting SLUICE_CACHE_DIR keeps builds warm.
os.environ.setdefault("SLUICE_CACHE_DIR", tempfile.mkdtemp(prefix="sluice-interop-tests-"))


def pytest_configure(config) -> None:
    # scripts/test.sh runs this folder in .venv-dace with SLUICE_REQUIRE_DACE=1: there the
    # DaCe tests must run, so a broken DaCe install fails the run instead of skipping them.
    if os.environ.get("SLUICE_REQUIRE_DACE") == "1":
        import dace  # noqa: F401
