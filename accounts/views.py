from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import profile_sections
from accounts.context_processors import unread_count
from accounts.forms import ConsentForm, DeletionForm, NotificationPreferencesForm, ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification, NotificationKind
from accounts.selectors import (
    consent_history,
    consents_for,
    deletion_open_for,
    export_get_for_user,
    exports_for,
)
from accounts.services import notifications_mark_read, user_avatar_update, user_update_profile
from accounts.services.consent import consents_save
from accounts.services.deletion import (
    account_deletion_cancel,
    account_deletion_request,
    deletion_blockers,
)
from accounts.services.exports import data_export_request, export_storage
from accounts.services.notify import (
    email_unsubscribe,
    notification_preferences_save,
    preferences_for,
    unsubscribe_read,
)
from core.views import form_page, form_save, picture_page


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "bio": user.bio,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
        },
    )
    return form_page(
        request,
        form,
        lambda data: user_update_profile(user=user, **data),
        done=_("Your profile is saved."),
        then="accounts:profile",
        template="accounts/profile.html",
        context=lambda: {"sections": profile_sections.sections_for(user)},
        bad_request=True,
    )


@login_required
def avatar(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return picture_page(
        request,
        update=lambda upload: user_avatar_update(user=user, upload=upload),
        current=user.avatar,
        rendition="large",
        name=user.public_name,
        heading=_("Your avatar"),
        back=reverse("accounts:profile"),
    )


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's inbox, newest first (unread ones marked as such); opening it marks
    everything read."""
    items = list(Notification.objects.filter(user=request.user, in_app=True)[:50])
    notifications_mark_read(user=request.user)
    return render(request, "accounts/notifications.html", {"notifications": items})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Mark all read" (for a page that shows the badge but not the inbox)."""
    notifications_mark_read(user=request.user)
    if request.accepts("text/html"):
        return redirect(request.POST.get("next") or "accounts:notifications")
    return JsonResponse({"unread": 0})


def notifications_unread(request: HttpRequest) -> JsonResponse:
    """The badge's count for the header's light polling (cached, at most one COUNT per
    user a minute); 0 for visitors. Never cached by the browser."""
    count = unread_count(request.user) if request.user.is_authenticated else 0
    response = JsonResponse({"unread": count})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per kind of notification: in the site, by e-mail, both or not at all."""
    user = request.user
    form = NotificationPreferencesForm(request.POST or None, initial=preferences_for(user))
    return form_page(
        request,
        form,
        lambda data: notification_preferences_save(user=user, choices=data),
        done=_("Your notification settings are saved."),
        then="accounts:notification_settings",
        template="accounts/notification_settings.html",
        bad_request=True,
    )


@csrf_exempt  # RFC 8058: mail clients POST without cookies; the signed token decides
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mails' unsubscribe link. GET shows what it stops and a button; POST (the
    button, or a mail client's one-click `List-Unsubscribe=One-Click`) stops e-mails
    of that kind. No login needed: the link is signed for one user and one kind."""
    try:
        user, kind = unsubscribe_read(token)
    except ValueError:
        return render(
            request,
            "accounts/unsubscribe.html",
            {"invalid": True},
            status=404,
        )
    done = False
    if request.method == "POST":
        email_unsubscribe(user=user, kind=kind)
        done = True
    return render(
        request,
        "accounts/unsubscribe.html",
        {"kind_label": NotificationKind(kind).label, "done": done, "token": token},
    )


# --- privacy: consents, export, deletion (docs/privacy.md) ----------------------------


@login_required
def privacy(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Privacy page: consent switches (posted here), the export and deletion
    panels (posted to their own views)."""
    user = request.user
    consent_form = ConsentForm(
        request.POST if request.method == "POST" else None, initial=consents_for(user.pk)
    )
    saved = form_save(
        request,
        consent_form,
        lambda data: consents_save(user=user, choices=data),
        done=_("Your choices are saved and apply from now on."),
        then="accounts:privacy",
    )
    if saved is not None:
        return saved
    return _privacy_render(request, consent_form=consent_form)


def _privacy_render(
    request: AuthenticatedHttpRequest,
    *,
    consent_form: ConsentForm | None = None,
    deletion_form: DeletionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    deletion = deletion_open_for(user=user)
    return render(
        request,
        "accounts/privacy.html",
        {
            "consent_form": consent_form or ConsentForm(initial=consents_for(user.pk)),
            "consent_history": consent_history(user=user),
            "exports": exports_for(user=user),
            "deletion": deletion,
            "deletion_form": deletion_form or DeletionForm(),
            "blockers": [] if deletion else deletion_blockers(user=user),
        },
        status=status,
    )


@login_required
@require_POST
def export_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    data_export_request(user=request.user)
    messages.success(request, _("Your export is being prepared; we will e-mail you a link."))
    return redirect("accounts:privacy")


@login_required
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The zip, for its owner only, while it is valid."""
    export = export_get_for_user(pk=pk, user=request.user)
    try:
        handle = export_storage.open(export.file)
    except (OSError, ValueError):
        raise Http404(_("This download is not available (it may have expired).")) from None
    filename = f"zhiliao-data-{export.created_at:%Y%m%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def deletion_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeletionForm(request.POST)
    saved = form_save(
        request,
        form,
        lambda data: account_deletion_request(
            user=request.user, contributions=data["contributions"]
        ),
        done=_("Your account will be deleted after the grace period. You can cancel until then."),
        then="accounts:privacy",
        errors=lambda form, error: form.add_error(None, error),
    )
    if saved is not None:
        return saved
    return _privacy_render(request, deletion_form=form, status=400)


@login_required
@require_POST
def deletion_cancel(request: AuthenticatedHttpRequest) -> HttpResponse:
    if account_deletion_cancel(user=request.user):
        messages.success(request, _("The deletion of your account is cancelled."))
    else:
        messages.error(request, _("There is no scheduled deletion to cancel."))
    return redirect("accounts:privacy")
