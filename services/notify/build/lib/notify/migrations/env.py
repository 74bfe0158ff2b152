from alembic import context

from dvk_platform.migrations import run_env
from dvk_platform.tables import metadata as platform_metadata
from notify.models import Base

run_env(context, [Base.metadata, platform_metadata])
