"""`mercato content import|export`: Sanity's NDJSON and .tar.gz formats, byte-stable round trips,
and refusal of bad files without writing anything."""

from __future__ import annotations

import gzip
import io
import json
import logging
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercato.cli import app
from mercato.demo.content import DEMO_DIR
from tests.conftest import make_settings


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    settings = make_settings(db_url, tmp_path)
    values = {
        "MERCATO_DATABASE_URL": db_url,
        "MERCATO_DATA_DIR": str(settings.data_dir),
        "MERCATO_ENV": "test",
        "MERCATO_BROKER_URL": settings.effective_broker_url,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    # a CLI process starts with logging unconfigured (warnings go to stderr); an app built by
    # an earlier test in this process must not send its log lines into the exported data
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    return values


def run(*args: str) -> bytes:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_ndjson_round_trip_is_byte_stable(env: dict[str, str], tmp_path: Path) -> None:
    source = DEMO_DIR / "data.ndjson"
    run("content", "import", str(source))
    exported = run("content", "export")
    assert exported == source.read_bytes()
    again = tmp_path / "again.ndjson"
    again.write_bytes(exported)
    run("content", "import", str(again))
    assert run("content", "export") == exported


def test_tar_gz_round_trip_carries_images(env: dict[str, str], tmp_path: Path) -> None:
    run("demo", "seed", "--products", "1")
    archive = tmp_path / "content.tar.gz"
    run("content", "export", "-o", str(archive))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        data = tar.extractfile("mercato-content/data.ndjson").read()  # type: ignore[union-attr]
    assert sum(n.startswith("mercato-content/images/") for n in names) == 18
    assert b'"_sanityAsset":"image@file://./images/' in data
    assert b'"asset":' not in data.replace(b'"asset":{"_type":"reference"', b"")  # all converted
    second = tmp_path / "second.tar.gz"
    run("content", "import", str(archive))
    run("content", "export", "-o", str(second))
    assert second.read_bytes() == archive.read_bytes()
    assert run("content", "export") == (DEMO_DIR / "data.ndjson").read_bytes()


def bad_archive() -> bytes:
    return archive(
        b'{"_id":"a","_type":"page","title":"A","slug":{"current":"a"},"body":[{"_type":"image","_sanityAsset":"image@file://./images/missing-1x1.png"}]}\n'
    )


def archive(line: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("x/data.ndjson")
        info.size = len(line)
        tar.addfile(info, io.BytesIO(line))
    return gzip.compress(raw.getvalue())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.ndjson", b'{"_id":"a","_type":"x"}\nnot json\n', "Line 2 is not JSON"),
        ("dup.ndjson", b'{"_id":"a","_type":"x"}\n{"_id":"a","_type":"x"}\n', "duplicate _id"),
        (
            "slug.ndjson",
            b'{"_id":"p","_type":"page","title":"T","slug":{"current":"Not A Slug"}}\n',
            "slug",
        ),
        ("deep.ndjson", b'{"_id":"a","_type":"x","c":' + b"[" * 40 + b"]" * 40 + b"}\n", "levels"),
        (
            "deeper.ndjson",
            b'{"_id":"a","_type":"x","c":' + b"[" * 10**5 + b"]" * 10**5 + b"}",
            "JSON",
        ),
        ("number.ndjson", b'{"_id":"a","_type":"x","n":' + b"9" * 5000 + b"}\n", "not JSON"),
        ("draft.ndjson", b'{"_id":"drafts.drafts.a","_type":"x"}\n', "drafts."),
        (
            "deep.tar.gz",
            archive(b'{"_id":"a","_type":"x","c":' + b"[" * 40 + b"]" * 40 + b"}"),
            "levels",
        ),
        ("bad.tar.gz", b"not a tarball", "Not a .tar.gz"),
        ("asset.tar.gz", bad_archive(), "not in the archive"),
        ("notes.txt", b"{}", "Use a .ndjson or .tar.gz file"),
    ],
)
def test_bad_files_write_nothing(
    env: dict[str, str], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["content", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert run("content", "export") == b""


def test_export_lines_are_documents(env: dict[str, str]) -> None:
    run("content", "import", str(DEMO_DIR / "data.ndjson"))
    lines = run("content", "export").decode().splitlines()
    assert [json.loads(line)["_id"] for line in lines] == sorted(
        json.loads(line)["_id"] for line in lines
    )
