"""`python -m fdd`: the command line (see fdd.cli)."""

import sys

from fdd.cli import main

if __name__ == "__main__":
    sys.exit(main())
