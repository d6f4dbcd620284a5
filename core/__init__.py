"""The bottom layer of roots: user errors, file systems (local and remote) and the language tables.

Everything else (``filters``, ``manifests``, ``pipeline``, ``tokenizer``, the reports, the CLI) may import from
here; ``core`` imports from none of them.
"""
