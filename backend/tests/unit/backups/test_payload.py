"""The format-2 payload: a tar of the dump and the media files; unsafe entries are refused."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from mercato.backups import payload
from mercato.backups.exceptions import CorruptBackup


def _noop(_n: int) -> None:
    pass


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    dump = tmp_path / "dump"
    dump.write_bytes(b"the database")
    media = tmp_path / "media"
    (media / "products" / "p1").mkdir(parents=True)
    (media / "products" / "p1" / "a.jpg").write_bytes(b"\xff\xd8 image a")
    (media / "labels").mkdir()
    (media / "labels" / "l.pdf").write_bytes(b"%PDF label")
    (media / "labels" / ".l2.pdf.tmp").write_bytes(b"half written")  # a save in progress
    (media / ".cache").mkdir()
    (media / ".cache" / "x").write_bytes(b"hidden")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"not media")
    (media / "link.txt").symlink_to(outside)
    (media / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    return dump, media


def test_pack_then_unpack_keeps_the_files_and_skips_links_and_temp_files(
    shop: tuple[Path, Path], tmp_path: Path
) -> None:
    dump, media = shop
    tar_path = tmp_path / "payload.tar"
    seen: list[int] = []
    packed = payload.pack(dump, media, tar_path, progress=seen.append)
    assert packed.sha256 == {
        "labels/l.pdf": hashlib.sha256(b"%PDF label").hexdigest(),
        "products/p1/a.jpg": hashlib.sha256(b"\xff\xd8 image a").hexdigest(),
    }
    assert packed.bytes == sum(seen) == len(b"%PDF label") + len(b"\xff\xd8 image a")
    assert payload.media_size(media) == packed.bytes
    with tarfile.open(tar_path) as tar:
        assert tar.getnames() == ["database.dump", "media/labels/l.pdf", "media/products/p1/a.jpg"]

    out = tmp_path / "out"
    out.mkdir()
    payload.unpack(tar_path, out / "dump", out / "media", progress=_noop)
    assert (out / "dump").read_bytes() == b"the database"
    assert (out / "media" / "products" / "p1" / "a.jpg").read_bytes() == b"\xff\xd8 image a"
    assert payload.scan(out / "media", progress=_noop) == packed
    assert payload.compare(packed, payload.scan(out / "media", progress=_noop)) == []


def test_compare_names_each_missing_extra_and_changed_file() -> None:
    expected = payload.MediaFiles({"a": "1", "b": "2", "c": "3"}, 30)
    actual = payload.MediaFiles({"b": "2", "c": "x", "d": "4"}, 30)
    assert payload.compare(expected, actual) == [
        "media a: missing",
        "media c: checksum differs from the manifest",
        "media d: unexpected",
    ]
    sizes = payload.compare(payload.MediaFiles({"a": "1"}, 5), payload.MediaFiles({"a": "1"}, 6))
    assert sizes == ["media: 6 bytes, the manifest says 5"]


def _tar(path: Path, *members: tuple[tarfile.TarInfo, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _device(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    return info


@pytest.mark.parametrize(
    "bad",
    [
        _file("media/../escaped.txt"),
        _file("../escaped.txt"),
        _file("/tmp/escaped.txt"),
        _file("media/a/../../escaped.txt"),
        _file("elsewhere/x"),
        _link("media/l", tarfile.SYMTYPE, "/etc/passwd"),
        _link("media/h", tarfile.LNKTYPE, "database.dump"),
        _device("media/dev"),
    ],
    ids=[
        "dotdot-in-media",
        "dotdot",
        "absolute",
        "nested-dotdot",
        "outside-media",
        "symlink",
        "hardlink",
        "device",
    ],
)
def test_unsafe_members_are_refused_before_anything_is_written(
    tmp_path: Path, bad: tarfile.TarInfo
) -> None:
    tar_path = tmp_path / "payload.tar"
    _tar(tar_path, (_file("database.dump"), b"db"), (_file("media/ok.jpg"), b"ok"), (bad, b"x"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptBackup, match=r"unsafe entry .* in the payload"):
        payload.unpack(tar_path, out / "dump", out / "media", progress=_noop)
    assert not (out / "dump").exists()
    assert list((out / "media").iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/escaped.txt").exists()


def test_a_payload_without_exactly_one_dump_is_refused(tmp_path: Path) -> None:
    tar_path = tmp_path / "payload.tar"
    _tar(tar_path, (_file("media/a"), b"a"))
    with pytest.raises(CorruptBackup, match="no single database dump"):
        payload.unpack(tar_path, tmp_path / "dump", tmp_path / "media", progress=_noop)


def test_a_missing_media_directory_packs_no_files(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.write_bytes(b"db")
    packed = payload.pack(dump, tmp_path / "nowhere", tmp_path / "p.tar", progress=_noop)
    assert packed == payload.MediaFiles({}, 0)
    assert os.path.getsize(tmp_path / "p.tar") > 0
