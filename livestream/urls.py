from django.urls import path

from livestream import console_views, studio_views, video_views, views

app_name = "livestream"

urlpatterns = [
    path("live/<int:pk>/", views.session_detail, name="session_detail"),
    path("live/<int:pk>/ticket/", views.buy_ticket, name="buy_ticket"),
    path("live/<int:pk>/reminder/", views.reminder_toggle, name="reminder_toggle"),
    path("live/<int:pk>/ticket/refund/", views.ticket_refund, name="ticket_refund"),
    path("live/<int:pk>/chat/<int:seq>/report/", views.chat_report, name="chat_report"),
    path("live/<int:pk>/questions/<int:question>/report/", views.question_report,
         name="question_report"),
    path("live/<int:pk>/leaderboard/", console_views.session_leaderboard,
         name="session_leaderboard"),
    path("live/tips/anonymous/", console_views.leaderboard_opt_out, name="leaderboard_opt_out"),
    # Stream overlays for OBS: the secret is the permission (no login).
    path("overlay/<str:token>/", console_views.overlay, name="overlay"),
    path("overlay/<str:token>/feed/", console_views.overlay_feed, name="overlay_feed"),
    path("studio/channels/<slug:slug>/overlay/", console_views.studio_overlay,
         name="studio_overlay"),
    # The creator's pages for scheduling and running sessions.
    path("studio/sessions/", studio_views.session_list, name="studio_sessions"),
    path("studio/channels/<slug:slug>/sessions/new/", studio_views.session_create,
         name="session_create"),
    path("studio/sessions/<int:pk>/", studio_views.session_edit, name="session_edit"),
    path("studio/sessions/<int:pk>/cover/", studio_views.session_cover, name="session_cover"),
    path("studio/sessions/<int:pk>/start/", studio_views.session_start, name="session_start"),
    path("studio/sessions/<int:pk>/end/", studio_views.session_end, name="session_end"),
    path("studio/sessions/<int:pk>/cancel/", studio_views.session_cancel, name="session_cancel"),
    path("studio/sessions/<int:pk>/replay/", studio_views.session_replay, name="session_replay"),
    path("studio/sessions/<int:pk>/recordings/", studio_views.session_recordings,
         name="session_recordings"),  # fmt: skip
    path("studio/sessions/<int:pk>/recordings/<int:recording_pk>/",
         studio_views.recording_download, name="recording_download"),  # fmt: skip
    path("studio/stream-key/", studio_views.stream_key, name="stream_key"),
    # Called by nginx-rtmp only (token in the URL).
    path("video/rtmp/publish/", video_views.on_publish, name="rtmp_publish"),
    path("video/rtmp/publish-done/", video_views.on_publish_done, name="rtmp_publish_done"),
    path("video/rtmp/update/", video_views.on_update, name="rtmp_update"),
    path("video/rtmp/record-done/", video_views.on_record_done, name="rtmp_record_done"),
    # The player's signed playback token, at start and every ~40 s (kind: hls or vod).
    path("live/<int:pk>/playback/<str:kind>/", video_views.playback_token,
         name="playback_token"),
]  # fmt: skip

# The card checkout of a ticket sits in the "payments" URL namespace with the other
# money pages, where it was before the selling pages left payments (config/urls.py
# composes that namespace).
payment_urlpatterns = [
    path("live/<int:pk>/ticket/card/", views.session_card_checkout, name="session_card"),
]
