import os
import tempfile

# Compiled programs go to a build cache of their own unless the caller chose one, so a test
# run never touches the user's ~/.cache/sluice; setting SLUICE_CACHE_DIR keeps builds warm.
os.environ.setdefault("SLUICE_CACHE_DIR", tempfile.mkdtemp(prefix="sluice-interop-tests-"))
