"""`python -m sluice`: the command line."""

import sys

from sluice.cli import main

if __name__ == "__main__":  # (tools that walk the package import it without running it)
    sys.exit(main())
