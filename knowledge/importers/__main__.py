"""Entry point of ``python -m knowledge.importers``."""

import sys

from knowledge.importers.command import main

sys.exit(main())
