"""Imports every module's ORM models so Base.metadata is complete (Alembic, tests).

Add a line here when a module gains a models.py.
"""

from __future__ import annotations

from mercato.db import Base
from mercato.shared import outbox as _outbox  # noqa: F401

metadata = Base.metadata
