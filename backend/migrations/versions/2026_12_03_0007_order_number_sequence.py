"""order numbers from a PostgreSQL sequence

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:00:00

PostgreSQL only: `order_number_seq` (owned by shop_order.number) replaces the counter row, so
concurrent checkouts never queue on one row for a number. It continues from the counter row's
value when the shop already has orders. Downgrade writes the sequence's position back into the
counter row, then drops the sequence. SQLite keeps the counter row.
"""

from collections.abc import Sequence

from alembic import op

from mercato.orders.models import ORDER_NUMBER_SEQUENCE, create_order_number_sequence

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    create_order_number_sequence(bind)
    bind.exec_driver_sql(
        f"SELECT setval('{ORDER_NUMBER_SEQUENCE}', value) FROM order_number_counter "
        "WHERE name = 'order' AND value >= 1"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(
        "INSERT INTO order_number_counter (name, value) "
        f"SELECT 'order', last_value FROM {ORDER_NUMBER_SEQUENCE} WHERE is_called "
        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
    )
    bind.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {ORDER_NUMBER_SEQUENCE}")
