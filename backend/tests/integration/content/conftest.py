"""Content fixtures: the demo dataset loaded into the local source, staff headers."""

from __future__ import annotations

import pytest

from mercato.bootstrap import Container
from mercato.demo import content as demo
from tests.factories import auth_headers, create_user


@pytest.fixture
async def demo_content(container: Container) -> int:
    return await demo.seed_if_empty(container)


@pytest.fixture
async def staff(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="staff"))
