from django.apps import AppConfig
from django.db.backends.signals import connection_created

from fairplatform.db_routers import guard_cpi_connection


class FairplatformConfig(AppConfig):
    name = "fairplatform"

    def ready(self) -> None:
        connection_created.connect(guard_cpi_connection, dispatch_uid="cpi-read-only")
