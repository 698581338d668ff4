from django.urls import path

from livestream import api

urlpatterns = [
    path("live/<int:pk>/chat/", api.RoomChatApi.as_view(), name="api_live_chat"),
    path("live/<int:pk>/questions/", api.RoomQuestionsApi.as_view(), name="api_live_questions"),
    path("live/<int:pk>/events/", api.RoomEventsApi.as_view(), name="api_live_events"),
    path(
        "studio/sessions/<int:pk>/picture/",
        api.StudioSessionPictureApi.as_view(),
        name="api_studio_session_picture",
    ),
]
