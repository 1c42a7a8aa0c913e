"""`python -m marl_tui.classroom.student`: a student's app in a class, started by
`marl-tui serve --class` with its end of the hub's socket pair (``--sandbox DIR`` is accepted,
as for every served app, and unused: a student in a class opens no files)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="marl-tui class student")
    parser.add_argument("--sandbox", default=None)
    parser.parse_args(sys.argv[1:] if argv is None else argv)
    from marl_tui.classroom.student_app import StudentApp

    StudentApp().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
