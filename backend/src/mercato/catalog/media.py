"""Image upload checks: the type comes from the magic bytes (never the client's header), the
size and pixel count are bounded, and SVG uploads are refused (scripts inside SVG are XSS)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mercato.platform.errors import DomainError, PayloadTooLarge

SERVED_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",  # only our own generated illustrations are ever stored as SVG
}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class UnsupportedMediaType(DomainError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int | None
    height: int | None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def sniff_image(data: bytes) -> ImageInfo:
    """Identify PNG/JPEG/GIF/WebP by content and read the dimensions; anything else is 415."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("image/png", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        return ImageInfo("image/jpeg", *(size or (None, None)))
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("image/gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            width = 1 + int.from_bytes(data[24:27], "little")
            height = 1 + int.from_bytes(data[27:30], "little")
            return ImageInfo("image/webp", width, height)
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return ImageInfo("image/webp", width & 0x3FFF, height & 0x3FFF)
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return ImageInfo("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        return ImageInfo("image/webp", None, None)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise UnsupportedMediaType(
            "SVG uploads are not accepted (they can carry scripts); upload PNG, JPEG, GIF or WebP.",
            code="svg_not_allowed",
        )
    raise UnsupportedMediaType(
        "Upload a PNG, JPEG, GIF or WebP image.", code="unsupported_media_type"
    )


def validate_upload(data: bytes, *, max_bytes: int, max_pixels: int) -> ImageInfo:
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Images are limited to {max_bytes} bytes.")
    if not data:
        raise UnsupportedMediaType("The upload is empty.", code="empty_upload")
    info = sniff_image(data)
    width, height = info.width, info.height
    if (
        width is not None
        and height is not None
        and (width <= 0 or height <= 0 or width * height > max_pixels)
    ):
        raise UnsupportedMediaType(
            f"Image dimensions {info.width}x{info.height} are not accepted.",
            code="bad_image_dimensions",
        )
    return info
