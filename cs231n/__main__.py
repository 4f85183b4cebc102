"""``python -m cs231n ...`` is the ``cs231n`` command (see :mod:`cs231n.tooling.cli`)."""

import sys

from cs231n.tooling.cli import main

sys.exit(main())
