"""The faces: how people use the model (the ``jinmyaku`` command; later the web app)."""

# Said on Ctrl-C before any command started (importing the command line, setting up).
STARTING_INTERRUPTED = "interrupted while starting: nothing was done.\n"
