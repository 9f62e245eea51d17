"""A file response whose every answer is the file or a part of it, never a plain-text error.

Starlette's `FileResponse` answers a `Range` header it cannot serve (`bytes=5-2`, `bytes=abc`,
a start past the end) with a `text/plain` 400 or 416, the only 4xx of the API without a problem
body. RFC 9110 §14.2 lets a server ignore `Range`: `FileAnswer` then sends the whole file (200).
"""

from __future__ import annotations

from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable


class FileAnswer(FileResponse):
    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        try:
            return super()._parse_range_header(http_range, file_size)
        except (MalformedRangeHeader, RangeNotSatisfiable):
            return []  # ignored: the whole file
