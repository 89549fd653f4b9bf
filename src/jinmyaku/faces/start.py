"""The ``jinmyaku`` program's entry point, which imports the command line itself.

Importing the command line (typer, rich, pandas, pyarrow, the model) takes about
a second; Ctrl-C meanwhile exits with status 130 and one line, not a traceback.
"""

from __future__ import annotations

import sys


def entry() -> None:
    """Console script ``jinmyaku``: import the command line, then run it."""
    try:
        from jinmyaku.faces.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted while starting: nothing was done.\n")
        sys.exit(130)
    sys.exit(main())
