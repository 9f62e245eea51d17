"""search table ranks alone: published flag and lower-case title in catalog_fts_pg

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 22:20:00

PostgreSQL only (SQLite's FTS5 table is unchanged): `create_search_ddl` is idempotent and now adds
`active` and `title_lower` to `catalog_fts_pg` and fills them from its trigger (which also fires
on a status change); the existing rows are filled here. Downgrade keeps them: the code of 0005
never reads them, and the trigger keeps them right.
"""

from collections.abc import Sequence

from alembic import op

from mercato.catalog.search import create_search_ddl

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    create_search_ddl(bind)
    bind.exec_driver_sql(
        "UPDATE catalog_fts_pg f SET active = (p.status = 'active'), title_lower = lower(p.title) "
        "FROM catalog_product p WHERE p.id = f.product_id"
    )


def downgrade() -> None:
    pass
