"""Field types of the API's models, so that what the OpenAPI document says is what is checked.

``Text`` is a string the service accepts from a client: no NUL character, which no database
column can hold (PostgreSQL refuses it). In a JSON body ``json_codec`` refuses one with a
400 before validation; in a path or query parameter validation does, with a 422. Either way
the document declares it, as the pattern ``^[^\\x00]*$``.

``one_of(values)`` is the ``Literal`` of values known when the app is built (the templates,
the job kinds): an enum in the document. Type checkers see a ``str`` instead (see its uses).

Timestamps are ``timestamps.Timestamp``: always with their offset, as the document says.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import StringConstraints

NO_NUL = r"^[^\x00]*$"

Text = Annotated[str, StringConstraints(pattern=NO_NUL)]


def one_of(values: Iterable[str]) -> Any:
    return Literal[tuple(values)]
