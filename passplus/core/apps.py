from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(*, using: str, **kwargs: Any) -> None:
    """Every `migrate` also makes the cache's table (when the cache is the database's, i.e.
    REDIS_URL is unset): a script or a server that only migrates never meets a missing table.
    `createcachetable` does nothing when the table exists or the cache is another kind."""
    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "passplus.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, dispatch_uid="passplus.core.create_cache_table")
