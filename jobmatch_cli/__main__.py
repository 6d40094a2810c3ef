"""``python -m jobmatch_cli``: the ``jobmatch`` command."""

import sys

from jobmatch_cli.main import main

sys.exit(main())
