"""``python -m jobs.cli``: the same as the ``kabar`` command."""

import sys

from jobs.cli import main

sys.exit(main())
