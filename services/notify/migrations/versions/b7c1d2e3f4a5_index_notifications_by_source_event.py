"""index notifications by source event

Each case event reads back the notifications it planned by ``source_event_id``: without an index
that was a scan of the whole table per event, slower with every notification ever sent.

Revision ID: b7c1d2e3f4a5
Revises: a40373163248
Create Date: 2026-11-26 17:35:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = "b7c1d2e3f4a5"
down_revision: Union[str, Sequence[str], None] = "a40373163248"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("notify_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_notifications_source_event_id"),
                              ["source_event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notify_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_notifications_source_event_id"))
