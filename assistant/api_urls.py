from django.urls import path

from assistant import api

urlpatterns = [
    path("assistant/ask/", api.AskApi.as_view(), name="api_assistant_ask"),
    path("assistant/votes/", api.VoteApi.as_view(), name="api_assistant_vote"),
    path("assistant/tickets/", api.TicketsApi.as_view(), name="api_assistant_tickets"),
]
