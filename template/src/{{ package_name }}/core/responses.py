"""The service's JSON responses: they cannot fail on what they are given to write."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse


class SafeJSONResponse(JSONResponse):
    """JSON whatever the strings hold: a character UTF-8 cannot encode (a lone surrogate
    stored before input was checked, say) becomes '?' instead of a 500 on every read.
    """

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", "replace")
