from django.apps import AppConfig


class FairplatformConfig(AppConfig):
    name = "fairplatform"
