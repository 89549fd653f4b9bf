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

# The smallest per-process address space (ulimit -v) the program starts and runs a small
# world in, with a margin: `jinmyaku run small` ran at 800,000 KiB and failed at 750,000
# on a 2-core machine (NumPy, OpenBLAS, Numba and LLVM reserve address space, more with
# more cores). Below it, importing them failed with a traceback, or OpenBLAS hung while
# starting its threads.
MIN_ADDRESS_SPACE = 1 << 30  # bytes (1,048,576 KiB)


def address_space_refusal() -> str | None:
    """The message refusing to start under a per-process address-space limit (``ulimit
    -v``, RLIMIT_AS) below :data:`MIN_ADDRESS_SPACE`, or None if there is none that low."""
    try:
        import resource
    except ImportError:  # not on this system
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft >= MIN_ADDRESS_SPACE:
        return None
    return (f"error: the per-process memory limit (ulimit -v) is {soft // 1024:,} KiB, below "
            f"the {MIN_ADDRESS_SPACE // 1024:,} KiB jinmyaku needs to start (NumPy, Numba "
            f"and their threads reserve address space); raise it to at least "
            f"{MIN_ADDRESS_SPACE // 1024} (ulimit -v {MIN_ADDRESS_SPACE // 1024}) or remove "
            f"it (ulimit -v unlimited). Nothing was done.\n")


def entry() -> None:
    """Console script ``jinmyaku``: import the command line, then run it."""
    refusal = address_space_refusal()  # before NumPy starts its threads
    if refusal is not None:
        sys.stderr.write(refusal)
        sys.exit(2)
    try:
        from jinmyaku.faces.cli import main
    except KeyboardInterrupt:
        sys.stderr.write(STARTING_INTERRUPTED)
        sys.exit(130)
    sys.exit(main(exiting=True))  # signals ignored once the command is done
