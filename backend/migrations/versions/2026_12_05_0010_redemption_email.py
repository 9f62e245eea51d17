"""a discount use records the order's email address

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 15:00:00

`discount_redemption.customer_email`: the order's address (lower case, without a `+tag`), so a
code's per-customer limit counts a person's uses whether they checked out signed in or as a
guest. Existing uses get their order's address, lower-cased.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("discount_redemption") as batch:
        batch.add_column(sa.Column("customer_email", sa.String(length=320), nullable=True))
    op.execute(
        "UPDATE discount_redemption SET customer_email = ("
        "SELECT lower(trim(shop_order.email)) FROM shop_order "
        "WHERE shop_order.id = discount_redemption.order_id)"
    )
    op.create_index(
        op.f("ix_discount_redemption_customer_email"),
        "discount_redemption",
        ["customer_email"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_discount_redemption_customer_email"), "discount_redemption")
    with op.batch_alter_table("discount_redemption") as batch:
        batch.drop_column("customer_email")
