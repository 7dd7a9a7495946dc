"""`python -m qa_desktop` runs the command line."""

import sys

from qa_desktop.cli.main import main

sys.exit(main())
