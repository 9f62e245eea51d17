"""The backup file format (ADR 0041): a plaintext header, then zlib-compressed, AES-256-GCM
encrypted chunks.

    magic (8 bytes "MRCBAK01") | header length (u32 BE) | header (JSON, UTF-8)
    chunk* : ciphertext length (u32 BE) | ciphertext (plaintext chunk + 16-byte GCM tag)

The header holds the manifest, a random salt and a key check. The file key and the check value
are derived from the configured key with HKDF-SHA256 and the salt, so the configured key itself
is never written. Every chunk's nonce is a random 8-byte prefix (in the header) and the chunk
counter; its associated data is the SHA-256 of the header and a "last chunk" flag. So a changed
header, a reordered, dropped, truncated or flipped chunk all fail authentication, and a wrong
key is told apart from a damaged file by the key check (before any chunk is read).

The header's "format" says what the plaintext is: 1, the database dump alone; 2 (written since
ADR 0045), a tar of the dump and the media files (mercato.backups.payload). Both are read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mercato.backups.exceptions import BackupError, CorruptBackup, WrongKey

MAGIC = b"MRCBAK01"
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)
CHUNK_SIZE = 1024 * 1024  # plaintext bytes per encrypted chunk
MAX_HEADER_BYTES = 64 * 1024 * 1024  # the manifest lists every media file (~100 bytes each)
_LEN = struct.Struct(">I")

Progress = Callable[[int], None]  # called with the number of bytes just processed


def _derive(key: str, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key.encode())


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def _aad(header_digest: bytes, last: bool) -> bytes:
    return header_digest + (b"\x01" if last else b"\x00")


def write_archive(
    source: Path,
    target: Path,
    *,
    key: str,
    manifest: dict[str, Any],
    progress: Progress | None = None,
    format_version: int = FORMAT_VERSION,
) -> None:
    """Compress and encrypt `source` into `target`, with `manifest` in the authenticated header."""
    salt = os.urandom(16)
    nonce_prefix = os.urandom(8)
    header = {
        "format": format_version,
        "cipher": "AES-256-GCM",
        "kdf": "HKDF-SHA256",
        "compression": "zlib",
        "chunk_size": CHUNK_SIZE,
        "salt": base64.b64encode(salt).decode(),
        "nonce_prefix": base64.b64encode(nonce_prefix).decode(),
        "key_check": _derive(key, salt, b"mercato-backup-key-check")[:16].hex(),
        "manifest": manifest,
    }
    raw_header = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    if len(raw_header) > MAX_HEADER_BYTES:  # never write a backup that cannot be read
        raise BackupError(f"the backup manifest is too large ({len(raw_header)} bytes)")
    digest = hashlib.sha256(raw_header).digest()
    aead = AESGCM(_derive(key, salt, b"mercato-backup-file-key"))
    compressor = zlib.compressobj(6)
    with source.open("rb") as src, target.open("wb") as out:
        out.write(MAGIC + _LEN.pack(len(raw_header)) + raw_header)
        counter = 0
        pending = b""

        def emit(data: bytes, last: bool) -> None:
            nonlocal counter
            sealed = aead.encrypt(_nonce(nonce_prefix, counter), data, _aad(digest, last))
            out.write(_LEN.pack(len(sealed)) + sealed)
            counter += 1

        while block := src.read(CHUNK_SIZE):
            pending += compressor.compress(block)
            while len(pending) >= CHUNK_SIZE:
                emit(pending[:CHUNK_SIZE], last=False)
                pending = pending[CHUNK_SIZE:]
            if progress:
                progress(len(block))
        pending += compressor.flush()
        while len(pending) > CHUNK_SIZE:
            emit(pending[:CHUNK_SIZE], last=False)
            pending = pending[CHUNK_SIZE:]
        emit(pending, last=True)  # always one last chunk, even empty: truncation is detectable
        out.flush()
        os.fsync(out.fileno())


def read_header(stream: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    """The parsed header and its SHA-256; CorruptBackup when it is not a Mercato backup."""
    magic = stream.read(len(MAGIC))
    if magic != MAGIC:
        raise CorruptBackup("not a Mercato backup file (bad magic bytes)")
    size_raw = stream.read(_LEN.size)
    if len(size_raw) != _LEN.size:
        raise CorruptBackup("the backup file is truncated (no header)")
    (size,) = _LEN.unpack(size_raw)
    if size > MAX_HEADER_BYTES:
        raise CorruptBackup("the backup file is damaged (implausible header size)")
    raw = stream.read(size)
    if len(raw) != size:
        raise CorruptBackup("the backup file is truncated (header cut short)")
    try:
        header: dict[str, Any] = json.loads(raw)
    except ValueError:
        raise CorruptBackup("the backup file is damaged (unreadable header)") from None
    if not isinstance(header, dict) or header.get("format") not in READABLE_FORMATS:
        raise CorruptBackup(f"unsupported backup format {header.get('format')!r}")
    return header, hashlib.sha256(raw).digest()


def manifest_of(path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        header, _ = read_header(stream)
    manifest: dict[str, Any] = header["manifest"]
    return manifest


def _check_key(header: dict[str, Any], key: str) -> bytes:
    try:
        salt = base64.b64decode(header["salt"])
        expected = bytes.fromhex(header["key_check"])
    except (KeyError, ValueError, TypeError):
        raise CorruptBackup("the backup file is damaged (bad header fields)") from None
    check = _derive(key, salt, b"mercato-backup-key-check")[:16]
    if not hmac.compare_digest(check, expected):
        raise WrongKey(
            "wrong encryption key: this backup was made with a different "
            "MERCATO_BACKUP__ENCRYPTION_KEY"
        )
    return _derive(key, salt, b"mercato-backup-file-key")


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while True:
        size_raw = stream.read(_LEN.size)
        if not size_raw:
            return
        if len(size_raw) != _LEN.size:
            raise CorruptBackup("the backup file is truncated (chunk length cut short)")
        (size,) = _LEN.unpack(size_raw)
        if size > CHUNK_SIZE + 16:
            raise CorruptBackup("the backup file is damaged (implausible chunk size)")
        sealed = stream.read(size)
        if len(sealed) != size:
            raise CorruptBackup("the backup file is truncated (chunk cut short)")
        yield sealed


def read_archive(
    source: Path, target: Path, *, key: str, progress: Progress | None = None
) -> tuple[int, dict[str, Any]]:
    """Decrypt and decompress `source` into `target`; the format and the (authenticated) manifest.

    WrongKey or CorruptBackup on any problem, before anything but `target` was written.
    """
    with source.open("rb") as stream, target.open("wb") as out:
        header, digest = read_header(stream)
        aead = AESGCM(_check_key(header, key))
        nonce_prefix = base64.b64decode(header["nonce_prefix"])
        decompressor = zlib.decompressobj()
        finished = False
        for counter, sealed in enumerate(_chunks(stream)):
            if finished:
                raise CorruptBackup("the backup file is damaged (data after the last chunk)")
            nonce = _nonce(nonce_prefix, counter)
            try:
                plain = aead.decrypt(nonce, sealed, _aad(digest, False))
            except InvalidTag:
                try:
                    plain = aead.decrypt(nonce, sealed, _aad(digest, True))
                    finished = True
                except InvalidTag:
                    raise CorruptBackup(
                        f"the backup file is damaged (chunk {counter} fails authentication)"
                    ) from None
            try:
                out.write(decompressor.decompress(plain))
            except zlib.error:
                raise CorruptBackup("the backup file is damaged (bad compressed data)") from None
            if progress:
                progress(len(sealed) + _LEN.size)
        if not finished:
            raise CorruptBackup("the backup file is truncated (the last chunk is missing)")
        out.write(decompressor.flush())
    manifest: dict[str, Any] = header["manifest"]
    return int(header["format"]), manifest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK_SIZE):
            digest.update(block)
    return digest.hexdigest()
