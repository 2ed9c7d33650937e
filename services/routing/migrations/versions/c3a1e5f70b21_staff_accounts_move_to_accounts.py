"""staff accounts move to the accounts service

Revision ID: c3a1e5f70b21
Revises: 9da1919dddde
Create Date: 2026-12-02 06:00:00

Staff accounts belong to the accounts service now (its own table ``accounts_staff``); tokens issued
before this version must be issued again with ``liaison staff add``.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import liaison.db.types


revision: str = 'c3a1e5f70b21'
down_revision: Union[str, Sequence[str], None] = '9da1919dddde'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_table('routing_staff')


def downgrade() -> None:
    op.create_table('routing_staff',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=True),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', liaison.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', liaison.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256')
    )
