"""Ingest: manifest sources -> document records. ``plan`` makes typed units on the driver, one module per
format reads them (``jsonl``, ``hf``, ``code``; records and routes in ``records``), ``transform`` is the Beam stage."""
