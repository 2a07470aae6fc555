"""warehouses and stock levels

Revision ID: a41be7c0d9e2
Revises:
Create Date: 2025-02-11 09:02:44.510871
"""
from alembic import op
import sqlalchemy as sa

revision = "a41be7c0d9e2"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=8), nullable=False, unique=True),
        sa.Column("city", sa.String(length=100), nullable=False),
    )
    op.create_table(
        "stock_levels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("warehouse_id", sa.Integer(), sa.ForeignKey("warehouses.id"), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("warehouse_id", "sku"),
    )
    op.create_index("ix_stock_levels_sku", "stock_levels", ["sku"])
    op.bulk_insert(
        sa.table("warehouses", sa.column("code", sa.String), sa.column("city", sa.String)),
        [{"code": "LHR1", "city": "London"}, {"code": "MAN2", "city": "Manchester"}],
    )


def downgrade() -> None:
    op.drop_index("ix_stock_levels_sku", table_name="stock_levels")
    op.drop_table("stock_levels")
    op.drop_table("warehouses")
