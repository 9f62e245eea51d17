"""indexes for the newest-first lists that sorted their whole table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00

Every list paged by `platform.pagination.newest_first` reads `ORDER BY created_at DESC, id DESC`
(after its filters); three had no index for that order and sorted every row for each page:
`ix_discount_code_created` (created_at, id) for the admin's discount codes,
`ix_catalog_collection_created` (created_at, id) for the collections, and
`ix_discount_redemption_code_created` (discount_code_id, created_at, id) for a code's usage,
which replaces the single-column `ix_discount_redemption_discount_code_id` (its prefix). The
other lists had theirs already (orders, shipments, accounts), or an index on their filter and
time that leaves only ties on the time to order (stock movements, dead-letter tasks).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_discount_code_created", "discount_code", ["created_at", "id"])
    op.create_index("ix_catalog_collection_created", "catalog_collection", ["created_at", "id"])
    op.create_index(
        "ix_discount_redemption_code_created",
        "discount_redemption",
        ["discount_code_id", "created_at", "id"],
    )
    op.drop_index("ix_discount_redemption_discount_code_id", table_name="discount_redemption")


def downgrade() -> None:
    op.create_index(
        "ix_discount_redemption_discount_code_id", "discount_redemption", ["discount_code_id"]
    )
    op.drop_index("ix_discount_redemption_code_created", table_name="discount_redemption")
    op.drop_index("ix_catalog_collection_created", table_name="catalog_collection")
    op.drop_index("ix_discount_code_created", table_name="discount_code")
