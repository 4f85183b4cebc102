"""``python -m cs231n ...`` is the ``cs231n`` command (see :mod:`cs231n.cli`)."""

import sys

from .cli import main

sys.exit(main())
