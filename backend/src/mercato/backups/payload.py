"""What a format-2 backup encrypts (ADR 0045): an uncompressed tar of the database dump and the
media files.

    database.dump
    media/<relative path>   (every regular file under <data_dir>/media)

The archive layer (mercato.backups.archive) compresses and encrypts the tar as it did the bare dump.
Packing never follows a symlink and skips temporary files (names starting with "."); unpacking
refuses anything but regular files and directories under safe relative names.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mercato.backups.exceptions import CorruptBackup

DUMP_MEMBER = "database.dump"
MEDIA_PREFIX = "media/"
_BLOCK = 1024 * 1024

Progress = Callable[[int], None]


@dataclass(frozen=True)
class MediaFiles:
    """Relative path → SHA-256 of every media file, and their total size."""

    sha256: dict[str, str]
    bytes: int

    @property
    def count(self) -> int:
        return len(self.sha256)


def _walk(root: Path) -> Iterator[tuple[str, Path, int]]:
    """(relative POSIX name, path, size) of the regular files under `root`, sorted; no symlinks,
    no hidden (temporary) names. `root` itself may be a symlink (it is configuration)."""
    if not root.is_dir():
        return
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(n for n in files if not n.startswith(".")):
            path = Path(directory) / name
            try:
                meta = path.lstat()
            except FileNotFoundError:  # deleted by the running shop meanwhile
                continue
            if stat.S_ISREG(meta.st_mode):
                yield path.relative_to(root).as_posix(), path, meta.st_size


def _open_regular(path: Path) -> IO[bytes] | None:
    """The file opened for reading, or None when it vanished or became a symlink meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # vanished, or a symlink now (O_NOFOLLOW)
        return None
    stream = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        stream.close()
        return None
    return stream


class _HashingReader:
    """Hands a file to tarfile and hashes what it reads, so the digest is of the archived bytes."""

    def __init__(self, stream: IO[bytes], progress: Progress) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.progress(len(data))
        return data


def media_size(root: Path) -> int:
    """The bytes `pack` will read from `root` (for a progress bar)."""
    return sum(size for _, _, size in _walk(root))


def pack(dump: Path, media: Path, target: Path, *, progress: Progress) -> MediaFiles:
    """Write the tar of `dump` and the files under `media` to `target`; what was archived."""
    digests: dict[str, str] = {}
    total = 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(dump, arcname=DUMP_MEMBER, recursive=False)
        for name, path, _ in _walk(media):
            stream = _open_regular(path)
            if stream is None:  # deleted or replaced by a link since the walk
                continue
            with stream:
                info = tarfile.TarInfo(MEDIA_PREFIX + name)
                meta = os.fstat(stream.fileno())
                info.size, info.mtime, info.mode = meta.st_size, int(meta.st_mtime), 0o644
                reader = _HashingReader(stream, progress)
                tar.addfile(info, reader)
            digests[name] = reader.digest.hexdigest()
            total += info.size
    return MediaFiles(digests, total)


def _media_name(member: tarfile.TarInfo) -> str | None:
    """The member's path under media/, or None for database.dump; CorruptBackup when unsafe."""
    name = member.name
    parts = name.split("/")
    safe = (
        not name.startswith("/")
        and "\\" not in name
        and all(part not in ("", ".", "..") for part in parts)
        and (member.isfile() or member.isdir())
    )
    if safe and name == DUMP_MEMBER and member.isfile():
        return None
    if safe and name.startswith(MEDIA_PREFIX):
        return name.removeprefix(MEDIA_PREFIX)
    raise CorruptBackup(f"the backup file is damaged (unsafe entry {name!r} in the payload)")


def unpack(payload: Path, dump: Path, media: Path, *, progress: Progress) -> None:
    """Extract database.dump to `dump` and media/* into the directory `media`.

    Every entry is checked before anything is written: only regular files and directories with
    relative names and no "..", and tarfile's "data" filter on top.
    """
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(payload, "r:") as tar:
        members = tar.getmembers()
        names = [_media_name(member) for member in members]
        if names.count(None) != 1:
            raise CorruptBackup("the backup file is damaged (no single database dump inside)")
        for member, name in zip(members, names, strict=True):
            if name is None:
                member.name = dump.name
                tar.extract(member, dump.parent, filter="data")
            elif member.isfile():
                member.name = name
                tar.extract(member, media, filter="data")
            progress(member.size)


def scan(media: Path, *, progress: Progress) -> MediaFiles:
    """The SHA-256 of every file under `media` (as `pack` records them)."""
    digests: dict[str, str] = {}
    total = 0
    for name, path, _ in _walk(media):
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while block := stream.read(_BLOCK):
                digest.update(block)
                progress(len(block))
                total += len(block)
        digests[name] = digest.hexdigest()
    return MediaFiles(digests, total)


def compare(expected: MediaFiles, actual: MediaFiles) -> list[str]:
    """One line per media file missing, unexpected or changed, and a differing total size."""
    problems = []
    for name in sorted(set(expected.sha256) | set(actual.sha256)):
        want, got = expected.sha256.get(name), actual.sha256.get(name)
        if want is None or got is None:
            problems.append(f"media {name}: {'missing' if got is None else 'unexpected'}")
        elif want != got:
            problems.append(f"media {name}: checksum differs from the manifest")
    if not problems and expected.bytes != actual.bytes:
        problems.append(f"media: {actual.bytes} bytes, the manifest says {expected.bytes}")
    return problems
