"""Imports every module's ORM models so Base.metadata is complete (Alembic, tests).

Add a line here when a module gains a models.py. Objects the ORM cannot describe (SQLite FTS5
virtual tables, PostgreSQL GIN/trigram indexes, triggers) register a creator in `EXTRA_DDL`, used
by the tests' schema set-up, and call the same function from their Alembic migration. Tables they
create are listed in `UNMANAGED_TABLE_PREFIXES` so `alembic check` ignores them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from mercato.accounts import models as _accounts  # noqa: F401
from mercato.backups import models as _backups  # noqa: F401
from mercato.cart import models as _cart  # noqa: F401
from mercato.catalog import models as _catalog  # noqa: F401
from mercato.catalog.search import create_search_ddl
from mercato.checkout import models as _checkout  # noqa: F401
from mercato.content import models as _content  # noqa: F401
from mercato.discounts import models as _discounts  # noqa: F401
from mercato.inventory import models as _inventory  # noqa: F401
from mercato.orders import models as _orders
from mercato.payments import models as _payments
from mercato.platform import outbox as _outbox  # noqa: F401
from mercato.platform.db import Base
from mercato.shipping import models as _shipping  # noqa: F401
from mercato.worker import models as _worker  # noqa: F401

metadata = Base.metadata

# Each callable receives a *sync* connection (inside a transaction) after metadata.create_all.
EXTRA_DDL: list[Callable[[Connection], None]] = []
EXTRA_DDL.append(create_search_ddl)  # catalog: FTS5 / tsvector + pg_trgm indexes
EXTRA_DDL.append(_payments.create_ledger_guards)  # payment_transaction is append-only
EXTRA_DDL.append(_orders.create_order_number_sequence)  # PostgreSQL: order numbers, no row lock
# Tables created by EXTRA_DDL (or by libraries) that are not ORM models.
UNMANAGED_TABLE_PREFIXES: tuple[str, ...] = ("catalog_fts",)
# Indexes created by EXTRA_DDL on ORM tables (e.g. trigram GIN indexes).
UNMANAGED_INDEXES: frozenset[str] = frozenset({"ix_catalog_search_term_trgm"})


def create_extra_ddl(connection: Connection) -> None:
    for create in EXTRA_DDL:
        create(connection)


def is_managed_table(name: str) -> bool:
    return not name.startswith(UNMANAGED_TABLE_PREFIXES) if UNMANAGED_TABLE_PREFIXES else True
