from django.urls import path

from assistant import views

app_name = "assistant"

urlpatterns = [
    path("help/", views.help_centre, name="help_centre"),
    path("help/tickets/", views.tickets, name="tickets"),
    path("help/tickets/new/", views.ticket_new, name="ticket_new"),
    path("help/<slug:slug>/", views.help_article, name="help_article"),
]
