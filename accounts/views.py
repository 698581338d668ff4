from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import profile_sections
from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from accounts.services import notifications_mark_read, user_update_profile
from core.views import form_save


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "bio": user.bio,
            "preferred_language": user.preferred_language,
        },
    )
    saved = form_save(
        request,
        form,
        lambda data: user_update_profile(user=user, **data),
        done=_("Your profile is saved."),
        then="accounts:profile",
    )
    if saved is not None:
        return saved
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "sections": profile_sections.sections_for(user)},
        status=400 if form.errors else 200,
    )


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's inbox, newest first; opening it marks everything read."""
    items = list(Notification.objects.filter(user=request.user)[:50])
    notifications_mark_read(user=request.user)
    return render(request, "accounts/notifications.html", {"notifications": items})
