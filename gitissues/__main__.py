"""`python -m gitissues` is `gi`."""

import sys

from gitissues.cli import main

sys.exit(main())
