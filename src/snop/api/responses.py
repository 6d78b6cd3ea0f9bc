"""The API's JSON responses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from snop.io.jsonable import jsonable


class SnopJSON(JSONResponse):
    """Responses in the one JSON form of the CLI's --json (:mod:`snop.io.jsonable`):
    frames as records, NaN as null, dates as ISO text.

    The app's default response class; a route that returns frames or dataclasses returns
    ``SnopJSON(value)`` itself, which converts them once (anything else a route returns
    FastAPI first walks with its own encoder)."""

    def render(self, content: Any) -> bytes:
        return super().render(jsonable(content))
