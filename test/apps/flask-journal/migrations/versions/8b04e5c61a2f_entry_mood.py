"""entry mood

Revision ID: 8b04e5c61a2f
Revises: 3f1c2a9d7e10
Create Date: 2025-04-19 16:40:51.902114
"""
from alembic import op
import sqlalchemy as sa

revision = "8b04e5c61a2f"
down_revision = "3f1c2a9d7e10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("entries") as batch_op:
        batch_op.add_column(sa.Column("mood", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("entries") as batch_op:
        batch_op.drop_column("mood")
