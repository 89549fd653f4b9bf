"""The ``jinmyaku`` program's entry point, which imports the command line itself.

Importing the command line (typer, rich, pandas, pyarrow, the model) takes about
a second; Ctrl-C meanwhile exits with status 130 and one line, not a traceback.
Before this module runs, Python itself starts and imports ``jinmyaku`` (the
facade, which imports no NumPy or Numba): about 30 ms in which Ctrl-C still
gives Python's own traceback.
"""

from __future__ import annotations

import sys

from jinmyaku.faces import STARTING_INTERRUPTED


def entry() -> None:
    """Console script ``jinmyaku``: import the command line, then run it."""
    try:
        from jinmyaku.faces.cli import main
    except KeyboardInterrupt:
        sys.stderr.write(STARTING_INTERRUPTED)
        sys.exit(130)
    sys.exit(main(exiting=True))  # signals ignored once the command is done
