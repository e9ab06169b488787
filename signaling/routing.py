from django.urls import path

from signaling.consumers import FairConsumer

websocket_urlpatterns = [path("ws/v1/", FairConsumer.as_asgi())]
