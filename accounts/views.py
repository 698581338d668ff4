from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import profile_sections
from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from accounts.services import notifications_mark_read, user_update_profile
from core.forms import apply_service_errors


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
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
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
