"""Shared tooling of the template repository: used by tests/, bench/ and scripts/.

Scripts run as ``python bench/x.py`` put the repository root on ``sys.path`` first; pytest
does it through ``pythonpath`` in pyproject.toml.
"""
