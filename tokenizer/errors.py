"""Errors that are the user's to fix.

The CLI prints a ``UserError`` as its message alone (one line) and exits 2: a missing shard, a bad manifest field or a
lock that no longer matches the shards must never end in a traceback, and the message says what to do. It is the
pipeline's ``UserError``, so the one ``roots`` command line handles both the same way.
"""

from pipeline.errors import UserError

__all__ = ["UserError"]
