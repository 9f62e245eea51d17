"""indexes for a product page's related cards and every card's first image

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:00:00

`ix_catalog_product_category_newest` (category_id, status, created_at, id) gives a category's
newest published products in index order, so "related products" and a category's newest page
stop sorting the whole category; it replaces the single-column `ix_catalog_product_category_id`
(its prefix). `ix_catalog_product_image_product_order` (product_id, position, id) replaces
`ix_catalog_product_image_product_id`: a card's first image is the first entry, no sort.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_catalog_product_category_newest",
        "catalog_product",
        ["category_id", "status", "created_at", "id"],
    )
    op.drop_index("ix_catalog_product_category_id", table_name="catalog_product")
    op.create_index(
        "ix_catalog_product_image_product_order",
        "catalog_product_image",
        ["product_id", "position", "id"],
    )
    op.drop_index("ix_catalog_product_image_product_id", table_name="catalog_product_image")


def downgrade() -> None:
    op.create_index("ix_catalog_product_image_product_id", "catalog_product_image", ["product_id"])
    op.drop_index("ix_catalog_product_image_product_order", table_name="catalog_product_image")
    op.create_index("ix_catalog_product_category_id", "catalog_product", ["category_id"])
    op.drop_index("ix_catalog_product_category_newest", table_name="catalog_product")
