"""Allow ``python -m <package>`` as an alias of the console script."""

import sys

from .cli import main

sys.exit(main())
