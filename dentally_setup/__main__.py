"""`python -m dentally_setup`."""

import sys

from dentally_setup.app import main

sys.exit(main())
