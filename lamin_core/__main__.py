"""`python -m lamin_core ...`: the `lamin-core` command line (the README writes it `lamin`)."""

import sys

from .setup.cli import main

if __name__ == "__main__":
    sys.exit(main())
