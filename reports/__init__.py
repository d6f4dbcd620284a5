"""The run report: built from a run's written outputs (``build``), read back (``load``), printed (``terminal``),
drawn (``svg``, ``html``) and compared across runs (``compare``). ``publish`` writes ``report.json`` and
``report.html`` together."""
