"""Evals: golden cases per use case (``evals/<use_case>.yaml``), run by ``admin eval``.

``cases`` reads and checks the files, ``checks`` and ``judge`` grade one case's outcome,
``runner`` runs the cases against the configured provider, ``report`` writes the JSON report
and the Markdown summary. How a use case runs one case lives in its own folder
(``features/<use_case>/evals.py``, found by ``use_cases``): nothing here names a use case.
"""
