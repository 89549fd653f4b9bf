"""Errors a user can fix: reported in one paragraph, exit status 2, no traceback."""


class InputError(Exception):
    """Bad input: a malformed scenario, an out-of-range value, an unwritable folder."""
