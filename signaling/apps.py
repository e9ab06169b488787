from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalingConfig(AppConfig):
    name = "signaling"
    verbose_name = _("Real-time edge")

    def ready(self) -> None:
        from signaling import receivers  # noqa: F401, PLC0415  (connects the signal receivers)
