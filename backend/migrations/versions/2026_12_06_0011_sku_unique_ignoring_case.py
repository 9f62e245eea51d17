"""SKUs differing only by case are one SKU

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:00:00

`ux_catalog_variant_sku_lower`: a unique index on lower(sku), so `ABC-1` and `abc-1` cannot both
exist (the service refuses them with 409 `sku_taken` first; the index holds under races). SKUs
are ASCII (the API's pattern), so lower() folds them alike on SQLite and PostgreSQL. A catalog
that already has such SKUs cannot take the index: the upgrade stops, naming them, before any
change, so one of each can be renamed or deleted first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mercato.platform.migrate import MigrationRefused

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT sku FROM catalog_variant WHERE lower(sku) IN ("
                "SELECT lower(sku) FROM catalog_variant GROUP BY lower(sku) HAVING count(*) > 1"
                ") ORDER BY lower(sku), sku"
            )
        )
        .scalars()
        .all()
    )
    if clashes:
        shown = ", ".join(clashes[:20]) + (
            f" and {len(clashes) - 20} more" if len(clashes) > 20 else ""
        )
        raise MigrationRefused(
            "SKUs that differ only by case must be made distinct (delete or rename one of each) "
            f"before this upgrade: {shown}"
        )
    op.create_index(
        "ux_catalog_variant_sku_lower",
        "catalog_variant",
        [sa.text("lower(sku)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_catalog_variant_sku_lower", table_name="catalog_variant")
