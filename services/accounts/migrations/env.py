from alembic import context

from liaison.db.migrate import run_env

run_env(context)
