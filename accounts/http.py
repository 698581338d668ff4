"""Request types for views."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is a real `User`.
    For type checking only (annotate `request` with it); Django passes HttpRequest."""

    user: User
