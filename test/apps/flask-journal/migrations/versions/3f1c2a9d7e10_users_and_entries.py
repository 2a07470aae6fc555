"""users and entries

Revision ID: 3f1c2a9d7e10
Revises:
Create Date: 2025-03-02 10:14:07.118203
"""
from alembic import op
import sqlalchemy as sa

revision = "3f1c2a9d7e10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entries_written_at", "entries", ["written_at"])
    op.create_index("ix_entries_user_id", "entries", ["user_id"])


def downgrade():
    op.drop_index("ix_entries_user_id", table_name="entries")
    op.drop_index("ix_entries_written_at", table_name="entries")
    op.drop_table("entries")
    op.drop_index("ix_users_email", table_name="users")
    op.drop_table("users")
