"""Errors that are the user's to fix.

The CLI prints a ``UserError`` as its message alone and exits 2: a user mistake (missing file, bad manifest field,
unreadable archive) must never end in a traceback.
"""


class UserError(Exception):
    """A problem with the user's input or configuration; the message says what is wrong and what to do."""
