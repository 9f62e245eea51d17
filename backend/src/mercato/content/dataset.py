"""Sanity dataset exports: NDJSON (one document per line) or a `.tar.gz` with assets.

`sanity dataset export` writes `<name>/data.ndjson` plus `<name>/images/<sha1>-<w>x<h>.<ext>`; in
the NDJSON an image's `asset` is replaced by `"_sanityAsset": "image@file://./images/<file>"`.
Importing turns each such field back into `asset: {_type: "reference", _ref: "image-<sha1>-…"}`
(the id Sanity gives the asset) and stores the file in our media; exporting does the reverse, so
`sanity dataset import` uploads the images to a Sanity project. Both directions keep every
document's bytes: import → export reproduces an export byte for byte (key order, compact JSON,
sorted by `_id`; tar members sorted with zero mtimes).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mercato.content import documents as docs
from mercato.content.exceptions import InvalidDocument, InvalidImport
from mercato.content.portable_text import MAX_NESTING, too_deep

MAX_LINES = 100_000
MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_ASSET_BYTES = 10 * 1024 * 1024
SANITY_ASSET = "_sanityAsset"
_ASSET_URI = re.compile(
    r"^image@file://\./images/([A-Za-z0-9_-]{1,80})-(\d{1,5})x(\d{1,5})\.(\w{2,5})$"
)
_IMAGE_NAME = re.compile(
    r"^([A-Za-z0-9_-]{1,80})-(\d{1,5})x(\d{1,5})\.(png|jpg|jpeg|gif|webp|svg)$"
)
EXPORT_DIR = "mercato-content"


@dataclass
class Dataset:
    documents: list[dict[str, Any]]
    # asset file name (`<sha1>-<w>x<h>.<ext>`) -> bytes
    assets: dict[str, bytes] = field(default_factory=dict)


def parse_ndjson(data: bytes) -> list[dict[str, Any]]:
    """Every line a valid document; blank lines ignored; duplicate `_id`s refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidImport("The file is not UTF-8 text.") from exc
    documents: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(documents) >= MAX_LINES:
            raise InvalidImport(f"More than {MAX_LINES} documents.")
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:  # also a huge number, or nested too deep
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:200]
            raise InvalidImport(
                f"Line {number} is not JSON: {reason}.", extra={"line": number}
            ) from exc
        try:
            doc = docs.validate_document(value)
        except InvalidDocument as exc:
            raise InvalidImport(f"Line {number}: {exc.detail}", extra={"line": number}) from exc
        if doc["_id"] in seen:
            raise InvalidImport(
                f"Line {number}: duplicate _id {doc['_id']!r}.", extra={"line": number}
            )
        seen.add(doc["_id"])
        documents.append(doc)
    return documents


def _walk_assets(value: Any, replace: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    if isinstance(value, dict):
        return replace({k: _walk_assets(v, replace) for k, v in value.items()})
    if isinstance(value, list):
        return [_walk_assets(v, replace) for v in value]
    return value


def read_archive(data: bytes) -> Dataset:
    """A `sanity dataset export` tarball: its data.ndjson and images, `_sanityAsset`s resolved."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidImport("The archive is too large.")
    ndjson: bytes | None = None
    images: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            total = 0
            for member in archive:
                if not member.isfile():
                    continue  # never links, devices or directories
                parts = member.name.split("/")
                name = parts[-1]
                if member.size > (MAX_IMPORT_BYTES if name == "data.ndjson" else MAX_ASSET_BYTES):
                    raise InvalidImport(f"{member.name} is too large.")
                total += member.size
                if total > MAX_IMPORT_BYTES:
                    raise InvalidImport("The archive expands to more than the limit.")
                extracted = archive.extractfile(member)
                if extracted is None:
                    continue
                if name == "data.ndjson" and len(parts) <= 2:
                    ndjson = extracted.read()
                elif len(parts) >= 2 and parts[-2] == "images" and _IMAGE_NAME.match(name):
                    images[name] = extracted.read()
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InvalidImport(f"Not a .tar.gz dataset export: {exc}.") from exc
    if ndjson is None:
        raise InvalidImport("The archive has no data.ndjson.")
    assets: dict[str, bytes] = {}
    refs: dict[str, str] = {}
    for name, content in images.items():
        match = _IMAGE_NAME.match(name)
        assert match is not None
        asset = docs.AssetFile(
            hashlib.sha1(content).hexdigest(), int(match[2]), int(match[3]), match[4]
        )
        assets[asset.file_name] = content
        refs[name] = asset.ref

    def resolve(obj: dict[str, Any]) -> dict[str, Any]:
        uri = obj.get(SANITY_ASSET)
        if uri is None:
            return obj
        match = _ASSET_URI.match(uri) if isinstance(uri, str) else None
        file_name = f"{match[1]}-{match[2]}x{match[3]}.{match[4]}" if match else None
        if file_name is None or file_name not in refs:
            raise InvalidImport(f"Asset {uri!r} is not in the archive.")
        return {
            ("asset" if k == SANITY_ASSET else k): (
                {"_type": "reference", "_ref": refs[file_name]} if k == SANITY_ASSET else v
            )
            for k, v in obj.items()
        }

    raw = parse_ndjson_lines_unvalidated(ndjson)
    resolved = [_walk_assets(d, resolve) for d in raw]
    documents = parse_ndjson("\n".join(docs.dumps(d) for d in resolved).encode())
    return Dataset(documents=documents, assets=assets)


def parse_ndjson_lines_unvalidated(data: bytes) -> list[Any]:
    try:
        values = [json.loads(line) for line in data.decode("utf-8").split("\n") if line.strip()]
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, a huge number, too deep
        raise InvalidImport(f"data.ndjson is not valid NDJSON: {str(exc)[:200]}.") from exc
    if any(too_deep(value) for value in values):  # before the assets are walked
        raise InvalidImport(
            f"data.ndjson has a document nested more than {MAX_NESTING} levels deep."
        )
    return values


def read(data: bytes, kind: str) -> Dataset:
    if kind == "ndjson":
        return Dataset(documents=parse_ndjson(data))
    if kind == "tar.gz":
        return read_archive(data)
    raise InvalidImport("Use a .ndjson or .tar.gz file.")


def kind_of(file_name: str) -> str:
    lowered = file_name.lower()
    if lowered.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    if lowered.endswith(".ndjson"):
        return "ndjson"
    raise InvalidImport("Use a .ndjson or .tar.gz file.")


def write_ndjson(bodies: list[str]) -> bytes:
    """Stored document texts (already compact JSON), sorted by the caller, one per line."""
    return "".join(body + "\n" for body in bodies).encode()


def write_archive(bodies: list[str], read_asset: Callable[[str], bytes | None]) -> bytes:
    """A tarball `sanity dataset import` accepts: assets as `_sanityAsset` plus their files."""
    used: dict[str, bytes] = {}

    def to_sanity_asset(obj: dict[str, Any]) -> dict[str, Any]:
        asset = obj.get("asset")
        parsed = docs.parse_image_ref(asset.get("_ref")) if isinstance(asset, dict) else None
        if parsed is None:
            return obj
        content = read_asset(parsed.file_name)
        if content is None:
            return obj  # the file is missing: keep the reference as it is
        used[parsed.file_name] = content
        uri = f"image@file://./images/{parsed.file_name}"
        return {
            (SANITY_ASSET if k == "asset" else k): (uri if k == "asset" else v)
            for k, v in obj.items()
        }

    lines = [docs.dumps(_walk_assets(json.loads(body), to_sanity_asset)) for body in bodies]
    members: list[tuple[str, bytes]] = [(f"{EXPORT_DIR}/data.ndjson", write_ndjson(lines))]
    members += [(f"{EXPORT_DIR}/images/{name}", used[name]) for name in sorted(used)]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = 0
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)
