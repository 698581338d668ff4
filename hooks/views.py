"""The studio's webhook pages: endpoints, their secret (shown once), the delivery log,
"Send test event", resend, rotate the secret, turn on and off, delete."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core.views import flash_outcome, form_page
from hooks import selectors, services, signing
from hooks.models import Delivery, Endpoint, EventType

_SECRET_KEY = "hooks-secret-{}"  # the session key that shows a new secret once


class EndpointForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Endpoint URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=gettext_lazy("Description"), max_length=120, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events to send"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )


def _creator(request: AuthenticatedHttpRequest) -> None:
    if not hasattr(request.user, "creator_profile"):
        raise Http404(_("Set up your creator profile first."))


def _endpoint(request: AuthenticatedHttpRequest, pk: int) -> Endpoint:
    endpoint = selectors.endpoint_get_for_owner(owner=request.user, pk=pk)
    if endpoint is None:
        raise Http404(_("No such endpoint."))
    return endpoint


def _show_secret_once(request: AuthenticatedHttpRequest, endpoint: Endpoint, secret: str) -> None:
    request.session[_SECRET_KEY.format(endpoint.pk)] = secret


@login_required
def endpoints(request: AuthenticatedHttpRequest) -> HttpResponse:
    _creator(request)
    form = EndpointForm(request.POST or None)

    def save(data: dict[str, Any]) -> Endpoint:
        endpoint, secret = services.endpoint_create(
            owner=request.user,
            url=data["url"],
            description=data["description"],
            event_types=data["event_types"],
        )
        _show_secret_once(request, endpoint, secret)
        return endpoint

    return form_page(
        request,
        form,
        save,
        done=_("Endpoint added. Copy its signing secret now: it is shown only once."),
        then=lambda endpoint: redirect("hooks:endpoint", pk=endpoint.pk),
        template="hooks/endpoints.html",
        context=lambda: {"endpoints": selectors.endpoints_for(owner=request.user)},
    )


@login_required
def endpoint(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _endpoint(request, pk)
    form = EndpointForm(
        request.POST or None,
        initial={
            "url": found.url,
            "description": found.description,
            "event_types": found.event_types,
        },
    )
    return form_page(
        request,
        form,
        lambda data: services.endpoint_update(
            endpoint=found,
            owner=request.user,
            url=data["url"],
            description=data["description"],
            event_types=data["event_types"],
        ),
        done=_("Endpoint saved."),
        then=lambda updated: redirect("hooks:endpoint", pk=updated.pk),
        template="hooks/endpoint.html",
        context=lambda: {
            "endpoint": found,
            "secret": request.session.pop(_SECRET_KEY.format(found.pk), None),
            "deliveries": selectors.deliveries_for(endpoint=found),
            "signature_header": signing.HEADER,
        },
    )


@login_required
@require_POST
def endpoint_test(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _endpoint(request, pk)
    flash_outcome(
        request,
        lambda: services.test_send(endpoint=found, owner=request.user),
        done=_test_outcome,
    )
    return redirect("hooks:endpoint", pk=found.pk)


def _test_outcome(delivery: Delivery) -> str:
    delivery.refresh_from_db()  # sent already where Celery runs tasks at once
    if delivery.status == Delivery.Status.PENDING:
        return _("Test event queued: its answer appears in the delivery log.")
    return _("Test event: %(status)s (%(answer)s).") % {
        "status": delivery.get_status_display(),
        "answer": f"HTTP {delivery.response_code}" if delivery.response_code else delivery.error,
    }


@login_required
@require_POST
def endpoint_rotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _endpoint(request, pk)
    secret = services.secret_rotate(endpoint=found, owner=request.user)
    _show_secret_once(request, found, secret)
    return redirect("hooks:endpoint", pk=found.pk)


@login_required
@require_POST
def endpoint_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _endpoint(request, pk)
    on = request.POST.get("on") == "1"
    services.endpoint_set_active(endpoint=found, owner=request.user, on=on)
    return redirect("hooks:endpoint", pk=found.pk)


@login_required
@require_POST
def endpoint_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _endpoint(request, pk)
    services.endpoint_delete(endpoint=found, owner=request.user)
    return redirect("hooks:endpoints")


@login_required
@require_POST
def delivery_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get_for_owner(owner=request.user, pk=pk)
    if delivery is None:
        raise Http404(_("No such delivery."))
    flash_outcome(
        request,
        lambda: services.delivery_resend(delivery=delivery, owner=request.user),
        done=_("Sent again."),
    )
    return redirect("hooks:endpoint", pk=delivery.endpoint_id)
