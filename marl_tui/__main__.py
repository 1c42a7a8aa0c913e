"""`python -m marl_tui` runs the `marl-tui` command."""

import sys

from marl_tui.cli import main

sys.exit(main())
