from django.urls import path

from qa import views

app_name = "qa"

urlpatterns = [
    path("ask/", views.ask_search, name="ask_search"),
    path("ask/<int:expert_id>/", views.ask, name="ask"),
    path("questions/", views.my_questions, name="my_questions"),
    path("questions/quotes/<int:pk>/", views.quote, name="quote"),
    path("questions/<int:pk>/", views.question_detail, name="question_detail"),
    path("questions/<int:pk>/answer/", views.answer, name="answer"),
    path("questions/<int:pk>/decline/", views.decline, name="decline"),
    path("questions/<int:pk>/rate/", views.rate, name="rate"),
    path("questions/<int:pk>/unlock/", views.unlock, name="unlock"),
    path(
        "questions/<int:pk>/answer/<str:kind>/",
        views.answer_file,
        name="answer_file",
    ),
    path("studio/questions/", views.queue, name="queue"),
    path("studio/questions/settings/", views.expert_settings, name="expert_settings"),
]
