"""The encrypted archive: round trip, wrong key, and every kind of damage is detected."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from mercato.backups import archive
from mercato.backups.archive import manifest_of, read_archive, write_archive
from mercato.backups.exceptions import CorruptBackup, WrongKey

KEY = "8c1f0b7e4d2a9c6e3f5b1d7a0e8c4f2b"


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "dump"
    # compressible and incompressible parts, several chunks at a small chunk size
    path.write_bytes(b"mercato " * 40_000 + os.urandom(300_000))
    return path


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "CHUNK_SIZE", 64 * 1024)


def test_round_trip_keeps_the_bytes_and_the_manifest(plain: Path, tmp_path: Path) -> None:
    sealed, out = tmp_path / "b.mbk", tmp_path / "out"
    seen: list[int] = []
    write_archive(plain, sealed, key=KEY, manifest={"id": "x", "n": 1}, progress=seen.append)
    assert sum(seen) == plain.stat().st_size
    assert manifest_of(sealed) == {"id": "x", "n": 1}
    assert read_archive(sealed, out, key=KEY) == (archive.FORMAT_VERSION, {"id": "x", "n": 1})
    assert out.read_bytes() == plain.read_bytes()
    assert b"mercato mercato" not in sealed.read_bytes()  # compressed and encrypted
    assert KEY.encode() not in sealed.read_bytes()


def test_a_wrong_key_is_named_as_such(plain: Path, tmp_path: Path) -> None:
    sealed = tmp_path / "b.mbk"
    write_archive(plain, sealed, key=KEY, manifest={})
    with pytest.raises(WrongKey, match="wrong encryption key"):
        read_archive(sealed, tmp_path / "out", key=KEY[::-1])


def test_format_1_is_still_read_and_an_unknown_format_is_refused(
    plain: Path, tmp_path: Path
) -> None:
    sealed, out = tmp_path / "b.mbk", tmp_path / "out"
    write_archive(plain, sealed, key=KEY, manifest={"id": "old"}, format_version=1)
    assert read_archive(sealed, out, key=KEY) == (1, {"id": "old"})
    assert out.read_bytes() == plain.read_bytes()
    write_archive(plain, sealed, key=KEY, manifest={}, format_version=3)
    with pytest.raises(CorruptBackup, match="unsupported backup format 3"):
        read_archive(sealed, out, key=KEY)


def _header_end(data: bytes) -> int:
    (size,) = struct.unpack(">I", data[8:12])
    return 12 + size


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("flip-body", "fails authentication"),
        ("truncate-chunk", "truncated"),
        ("drop-last-chunk", "last chunk is missing"),
        ("swap-chunks", "fails authentication"),
        ("edit-manifest", "fails authentication"),
        ("bad-magic", "not a Mercato backup"),
        ("empty", "not a Mercato backup"),
        ("append", "after the last chunk"),
    ],
)
def test_damage_is_detected(plain: Path, tmp_path: Path, damage: str, message: str) -> None:
    sealed = tmp_path / "b.mbk"
    write_archive(plain, sealed, key=KEY, manifest={"rows": 10})
    data = bytearray(sealed.read_bytes())
    start = _header_end(bytes(data))
    chunks: list[bytes] = []
    offset = start
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append(bytes(data[offset : offset + 4 + size]))
        offset += 4 + size
    assert len(chunks) >= 3
    head = bytes(data[:start])
    if damage == "flip-body":
        data[start + 100] ^= 0x40
        result = bytes(data)
    elif damage == "truncate-chunk":
        result = bytes(data[: len(data) - 10])
    elif damage == "drop-last-chunk":
        result = head + b"".join(chunks[:-1])
    elif damage == "swap-chunks":
        result = head + chunks[1] + chunks[0] + b"".join(chunks[2:])
    elif damage == "edit-manifest":
        result = bytes(data).replace(b'"rows":10', b'"rows":99', 1)
        assert result != bytes(data)
    elif damage == "bad-magic":
        result = b"XXXXXXXX" + bytes(data[8:])
    elif damage == "empty":
        result = b""
    else:
        result = bytes(data) + chunks[0]
    sealed.write_bytes(result)
    with pytest.raises(CorruptBackup, match=message):
        read_archive(sealed, tmp_path / "out", key=KEY)
