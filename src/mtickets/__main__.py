"""``python -m mtickets``: the command line, for environments without the installed script."""

import sys

from mtickets.cli import main

sys.exit(main())
