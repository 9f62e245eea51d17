"""The demo shop's content: a Sanity dataset export bundled with the package (`content_data/`).

`mercato demo seed` (and so `make run`) loads it into the local source when the content store is
empty: five journal posts with Portable Text bodies, two authors, the about / FAQ / shipping and
returns / terms / privacy pages, the site settings (home hero, announcement bar, footer links)
and editorial for a few demo products. Its images are SVG files referenced as Sanity assets.
"""

from __future__ import annotations

from pathlib import Path

from mercato.content import dataset, repository, service
from mercato.content.ports import ContentPorts

DEMO_DIR = Path(__file__).parent / "content_data"


def demo_dataset() -> dataset.Dataset:
    documents = dataset.parse_ndjson((DEMO_DIR / "data.ndjson").read_bytes())
    assets = {
        p.name: p.read_bytes() for p in sorted((DEMO_DIR / "images").iterdir()) if p.is_file()
    }
    return dataset.Dataset(documents=documents, assets=assets)


async def seed_if_empty(container: ContentPorts) -> int:
    """Load the demo content into an empty local store; returns the documents written."""
    async with container.db.session(write=False) as session:
        if not await repository.is_empty(session):
            return 0
    data = demo_dataset()
    await service.import_into(container, data, reason="demo")
    return len(data.documents)
