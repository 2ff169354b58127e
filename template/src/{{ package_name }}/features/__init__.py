"""The service's features: one folder each, found by looking, never by a list to keep.

A folder here is a feature when its package defines ``feature``, a ``Feature``
(``core/feature.py``): everything the feature offers, in one place. The composition root
(``composition.py``) finds them. Features do not import each other: what they share lives
in a lower layer (core, llm, jobs).
"""
