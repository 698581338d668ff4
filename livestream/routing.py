from django.urls import path

from livestream.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/live/<int:pk>/", RoomConsumer.as_asgi()),
]
