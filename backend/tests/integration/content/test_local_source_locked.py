"""The local content source reads a document by slug as a quick read (ADR 0056); while SQLite is
locked it reads again the ordinary way, which waits for the lock, instead of failing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from mercato.bootstrap import build_container
from mercato.content import repository
from mercato.demo import content as demo
from tests.conftest import make_settings, make_sqlite_url


async def test_an_editorial_read_while_sqlite_is_locked_waits_for_the_lock(
    tmp_path: Path,
) -> None:
    container = build_container(make_settings(make_sqlite_url(tmp_path), tmp_path))
    try:
        async with container.db.session() as session:
            await repository.upsert_many(session, demo.demo_dataset().documents)
        await container.db.dispose()  # no pooled connection open: the locker can lock the file
        path = container.db.engine.url.database
        assert path is not None
        locked, release = threading.Event(), threading.Event()

        def hold_the_lock() -> None:
            locker = sqlite3.connect(path, isolation_level=None)
            try:
                locker.execute("PRAGMA locking_mode=EXCLUSIVE")
                locker.execute("BEGIN EXCLUSIVE")
                locker.execute("UPDATE content_document SET _rev = _rev")
                locked.set()
                release.wait(10)
                locker.execute("COMMIT")
            finally:
                locker.close()

        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        assert await asyncio.to_thread(locked.wait, 10)
        read = asyncio.create_task(
            container.content_source.get_product_editorial("studio-tweed-coat")
        )
        await asyncio.sleep(0.3)  # well past the quick read's busy timeout (50 ms)
        assert not read.done()  # waiting for the lock, not failed
        release.set()
        editorial = await asyncio.wait_for(read, 10)
        await asyncio.to_thread(holder.join, 10)
        assert editorial is not None
        assert editorial.highlights[0] == "Pure new wool tweed"
    finally:
        await container.aclose()
