from alembic import context

from dvk_platform.migrations import run_env
from gateway.models import Base

run_env(context, Base.metadata)
