"""stored product cards: the read model of lists, search results and related products

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 01:30:00

`catalog_product_card` holds each product's card as the JSON the API sends, kept in each
writing transaction (ADR 0055). It starts empty: a missing card is computed from the catalog's
rows, and `mercato catalog cards` (run by `mercato demo seed` too) stores every product's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_product_card",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product.id"],
            name=op.f("fk_catalog_product_card_product_id_catalog_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_catalog_product_card")),
    )


def downgrade() -> None:
    op.drop_table("catalog_product_card")
