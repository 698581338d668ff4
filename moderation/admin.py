"""The moderators' desk: one review queue for everything held or reported, reports,
sanctions, expert verifications and the (read-only) audit trail. Every decision goes
through moderation.services, so it is audited and one of two decisions wins."""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core.admin import ReadOnlyAdmin
from moderation import registry, services
from moderation.forms import RejectForm, SanctionForm
from moderation.models import (
    BlockedTerm,
    ExpertVerification,
    ModerationAction,
    Report,
    ReviewItem,
    Sanction,
    ScreeningModel,
    VerificationDocument,
)
from moderation.scoring import hold_thresholds
from moderation.selectors import content_url
from moderation.services import classifier as classifier_services

if TYPE_CHECKING:  # a dev-only package (django-stubs)
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

# Shown when applying a decision fails for a reason that is not the moderator's
# (a content hook raised): the decision's transaction rolled back, the item stays open.
DECISION_FAILED = gettext_lazy(
    "The decision could not be applied, so nothing changed: the item is still open. "
    "Try again; if it keeps failing, tell the developers (the error is logged)."
)


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ("term", "mode", "action", "active", "note", "created_at")
    list_editable = ("mode", "action", "active")
    list_filter = ("mode", "action", "active")
    search_fields = ("term", "note")


def _moderator(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the admin site lets only staff in
    return user


def _decide_many(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Iterable[Any],
    decide: Callable[[Any], object],
) -> None:
    """Apply `decide` (a service call) to each selected object; what a service refuses
    is reported, and the others still go through."""
    done, refused = 0, []
    for item in queryset:
        try:
            decide(item)
            done += 1
        except ValidationError as exc:
            refused.append(f"{item}: {' '.join(exc.messages)}")
        except Exception:  # noqa: BLE001 - one broken item must not stop the batch
            logger.exception("Applying a moderation decision to %s failed", item.pk)
            refused.append(f"{item}: {DECISION_FAILED}")
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(n)d item decided.", "%(n)d items decided.", done) % {"n": done},
            messages.SUCCESS,
        )
    for message in refused:
        modeladmin.message_user(request, message, messages.WARNING)


def _with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    form_class: type[forms.Form],
    action: str,
    title: str,
    apply: Callable[[dict[str, Any]], None],
) -> TemplateResponse | None:
    """An admin action that first asks for a reason (and more, per `form_class`):
    the form page, then `apply(cleaned_data)` once it is filled in."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        apply(form.cleaned_data)
        return None
    return TemplateResponse(
        request,
        "admin/moderation/reject_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


def _decide_action(
    description: "StrOrPromise", decide: Callable[[Any, User], object]
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], None]:
    """An admin action that decides each selected object: `decide(obj, moderator)`."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        moderator = _moderator(request)
        _decide_many(modeladmin, request, queryset, lambda obj: decide(obj, moderator))

    return action


def _reject_action(
    description: "StrOrPromise",
    title: "StrOrPromise",
    reject: Callable[[Any, User, str], object],
    name: str = "reject_selected",
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], TemplateResponse | None]:
    """ "Reject selected…": ask for the reason the authors are told, then reject each
    (or, as the action `name`, do something else that needs a reason)."""

    @admin.action(description=description, permissions=["change"])
    def reject_selected(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        moderator = _moderator(request)
        return _with_reason(
            modeladmin,
            request,
            queryset,
            form_class=RejectForm,
            action=name,
            title=str(title),
            apply=lambda data: _decide_many(
                modeladmin, request, queryset, lambda obj: reject(obj, moderator, data["reason"])
            ),
        )

    return reject_selected


class RegisteredKindFilter(admin.RelatedFieldListFilter):
    """The content-type filter lists only the kinds registered with moderation (not
    every Django model)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        kinds = ContentType.objects.get_for_models(*registry.registered_models()).values()
        return sorted(((ct.pk, str(ct.name)) for ct in kinds), key=lambda choice: choice[1])


class ReportedFilter(admin.SimpleListFilter):
    """ "Reported": items with reports waiting for a decision, whatever brought them in."""

    title = gettext_lazy("reports")
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Reported")), ("no", gettext_lazy("Not reported"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(report_count=0)
        return queryset


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "author",
        "short_excerpt",
        "reasons_shown",
        "score_shown",
        "reports_shown",
        "age",
        "source",
        "status",
    )
    list_filter = ("status", ReportedFilter, "source", ("content_type", RegisteredKindFilter))
    search_fields = ("excerpt", "author__email", "author__display_name", "decision_reason")
    list_select_related = ("author", "content_type")
    actions = (
        "approve_selected",
        "reject_selected",
        "escalate_selected",
        "remove_picture_selected",
    )
    change_form_template = "admin/moderation/reviewitem/change_form.html"
    readonly_fields = (
        "kind",
        "author",
        "excerpt",
        "reasons_shown",
        "score_shown",
        "source",
        "status",
        "report_weight",
        "decided_by",
        "decided_at",
        "decision_reason",
        "appealed_at",
        "created_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewItem]:
        reports = (
            Report.objects.filter(
                content_type_id=OuterRef("content_type_id"),
                object_id=OuterRef("object_id"),
                outcome=Report.Outcome.OPEN,
            )
            .values("object_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(report_count=Coalesce(Subquery(reports), 0))
            .order_by("-report_weight", "created_at")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("type"), ordering="content_type")
    def kind(self, item: ReviewItem) -> str:
        return str(item.content_type.name)

    @admin.display(description=gettext_lazy("excerpt"))
    def short_excerpt(self, item: ReviewItem) -> str:
        return item.excerpt[:80] + ("…" if len(item.excerpt) > 80 else "")

    @admin.display(description=gettext_lazy("reasons"))
    def reasons_shown(self, item: ReviewItem) -> str:
        return "; ".join(item.reasons)

    @admin.display(description=gettext_lazy("classifier score"), ordering="score")
    def score_shown(self, item: ReviewItem) -> str:
        """The score and the words that weighed most: what the moderator checks."""
        if item.score is None:
            return "—"
        words = ", ".join(item.score_words)
        return f"{item.score:.2f}" + (f" ({words})" if words else "")

    @admin.display(description=gettext_lazy("reports (weight)"), ordering="report_weight")
    def reports_shown(self, item: ReviewItem) -> str:
        count = getattr(item, "report_count", 0)
        return f"{count} ({item.report_weight:.1f})" if count else "—"

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
    def age(self, item: ReviewItem) -> str:
        return timesince(item.created_at)

    # --- decisions ---------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="moderation_reviewitem_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if request.method != "POST":
            return redirect("admin:moderation_reviewitem_change", pk)
        if not self.has_change_permission(request):
            raise PermissionDenied
        item = get_object_or_404(ReviewItem, pk=pk)
        moderator = _moderator(request)
        decision = request.POST.get("decision")
        reason = request.POST.get("reason", "")
        try:
            if decision == "approve":
                services.review_approve(item=item, moderator=moderator)
                self.message_user(request, _("Approved: the content is shown."), messages.SUCCESS)
            elif decision == "reject":
                services.review_reject(item=item, moderator=moderator, reason=reason)
                self.message_user(
                    request, _("Rejected: the author was told why."), messages.SUCCESS
                )
            elif decision == "remove_picture":
                services.review_picture_remove(item=item, moderator=moderator, reason=reason)
                self.message_user(
                    request, _("Picture removed: the placeholder is shown."), messages.SUCCESS
                )
                return redirect("admin:moderation_reviewitem_change", pk)
            elif decision == "escalate":
                services.review_escalate(item=item, moderator=moderator, reason=reason)
                self.message_user(request, _("Escalated."), messages.SUCCESS)
            else:
                self.message_user(request, _("Choose approve, reject or escalate."), messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect("admin:moderation_reviewitem_change", pk)
        except Exception:  # noqa: BLE001 - a moderator gets a message, never a 500
            logger.exception("Applying a moderation decision to %s failed", item.pk)
            self.message_user(request, DECISION_FAILED, messages.ERROR)
            return redirect("admin:moderation_reviewitem_change", pk)
        return redirect("admin:moderation_reviewitem_changelist")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        item = self.get_object(request, object_id)
        extra = extra_context or {}
        if item is not None:
            obj = item.content_object
            extra.update(
                item=item,
                content_url=content_url(obj),
                content_text=registry.adapter_for(obj).text(obj) if obj is not None else "",
                content_picture=services.review_picture(item),
                reports=Report.objects.filter(
                    content_type_id=item.content_type_id, object_id=item.object_id
                ).select_related("reporter"),
                history=ModerationAction.objects.filter(item=item).select_related("actor"),
                can_decide=self.has_change_permission(request, item),
                decide_url=reverse("admin:moderation_reviewitem_decide", args=[item.pk]),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    approve_selected = _decide_action(
        gettext_lazy("Approve selected items"),
        lambda item, by: services.review_approve(item=item, moderator=by),
    )
    escalate_selected = _decide_action(
        gettext_lazy("Escalate selected items"),
        lambda item, by: services.review_escalate(item=item, moderator=by),
    )
    reject_selected = _reject_action(
        gettext_lazy("Reject selected items…"),
        gettext_lazy("Reject selected items"),
        lambda item, by, reason: services.review_reject(item=item, moderator=by, reason=reason),
    )
    remove_picture_selected = _reject_action(
        gettext_lazy("Remove the pictures of selected items…"),
        gettext_lazy("Remove the pictures of selected items"),
        lambda item, by, reason: services.review_picture_remove(
            item=item, moderator=by, reason=reason
        ),
        name="remove_picture_selected",
    )


def _scores_shown(model: ScreeningModel) -> str:
    return "; ".join(
        f"{dataset}: AUC {m.get('auc', float('nan')):.3f}, F1 {m.get('f1', float('nan')):.3f}"
        for dataset, m in model.scores.items()
    )


@admin.register(ScreeningModel)
class ScreeningModelAdmin(ReadOnlyAdmin):
    """Each trained version with its held-out scores; staff make one active (a
    rollback) with the action. The hold thresholds (settings) are shown above."""

    list_display = ("version", "status", "trained_at", "scores_shown", "counts", "activated_at")
    list_filter = ("status",)
    actions = ("activate_selected",)
    change_list_template = "admin/moderation/screeningmodel/change_list.html"

    @admin.display(description=gettext_lazy("held-out scores"))
    def scores_shown(self, model: ScreeningModel) -> str:
        return _scores_shown(model)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "hold_thresholds": sorted(hold_thresholds().items())}
        return super().changelist_view(request, extra_context=extra)

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("moderation.change_screeningmodel")

    @admin.action(
        description=gettext_lazy("Make the selected version active (roll back)"),
        permissions=["activate"],
    )
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[ScreeningModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        try:
            model = classifier_services.screening_model_activate(
                model=queryset.get(), by=_moderator(request)
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            _("Version %(v)s is active: screening scores with it.") % {"v": model.version},
            messages.SUCCESS,
        )


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = (
        "content_type",
        "object_id",
        "reporter",
        "reason",
        "weight",
        "outcome",
        "created_at",
    )
    list_filter = ("outcome", ("content_type", RegisteredKindFilter))
    search_fields = ("reason", "reporter__email")
    list_select_related = ("reporter", "content_type")


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor", "target_user", "item", "sanction", "reason")
    list_filter = ("kind",)
    search_fields = ("reason", "actor__email", "target_user__email")
    list_select_related = ("actor", "target_user", "item__content_type", "sanction")
    date_hierarchy = "created_at"


class SanctionAdminForm(forms.ModelForm):
    """Refuses, next to the form, what `services.sanction_impose` would refuse."""

    moderator: User | None = None  # set per request by SanctionAdmin.get_form

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        user, kind = data.get("user"), data.get("kind")
        reason = (data.get("reason") or "").strip()
        if user is not None and kind and reason:
            services.sanction_check(
                user=user,
                kind=kind,
                reason=reason,
                moderator=self.moderator,
                expires_at=data.get("expires_at"),
            )
        return data


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "kind",
        "where",
        "reason",
        "expires_at",
        "active",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", ("channel", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "reason")
    list_select_related = ("user", "channel", "created_by")
    raw_id_fields = ("user", "channel")
    actions = ("lift_selected",)
    fields = ("user", "kind", "channel", "expires_at", "reason")
    form = SanctionAdminForm

    @admin.display(description=gettext_lazy("where"))
    def where(self, sanction: Sanction) -> str:
        return sanction.channel.title if sanction.channel is not None else _("site-wide")

    @admin.display(description=gettext_lazy("active"), boolean=True)
    def active(self, sanction: Sanction) -> bool:
        return sanction.lifted_at is None and (
            sanction.expires_at is None or sanction.expires_at > timezone.now()
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.fields if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # lift it instead: the audit trail keeps it

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = cast(type[SanctionAdminForm], super().get_form(request, obj, change, **kwargs))
        form.moderator = _moderator(request)  # a class made for this request
        return form

    def save_model(
        self, request: HttpRequest, obj: Sanction, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            return  # every field is read-only once imposed: lift it instead
        sanction = services.sanction_impose(
            user=obj.user,
            kind=obj.kind,
            channel=obj.channel,
            expires_at=obj.expires_at,
            reason=obj.reason,
            moderator=_moderator(request),
        )
        obj.pk = sanction.pk
        obj.created_at = sanction.created_at

    @admin.action(description=gettext_lazy("Lift selected sanctions"), permissions=["change"])
    def lift_selected(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        moderator = _moderator(request)
        for sanction in queryset:
            services.sanction_lift(sanction=sanction, moderator=moderator)
        self.message_user(request, _("Lifted."), messages.SUCCESS)


class VerificationDocumentInline(admin.TabularInline):
    model = VerificationDocument
    extra = 0
    fields = ("document", "content_type", "size")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("document"))
    def document(self, doc: VerificationDocument) -> str:
        return format_html(
            '<a href="{}" rel="noopener">{}</a>',
            reverse("moderation:verification_document", args=[doc.pk]),
            doc.original_name or doc.file.name,
        )

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ExpertVerification)
class ExpertVerificationAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__email",)  # credentials are encrypted: not searchable
    list_select_related = ("user", "decided_by")
    inlines = (VerificationDocumentInline,)
    fields = ("user", "credentials", "status", "decided_by", "decided_at", "decision_reason")
    readonly_fields = fields
    actions = ("approve_selected", "reject_selected")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """An application (credentials, documents) is personal data: opening it is
        written to the audit trail."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and object_id.isdigit():
            verification = ExpertVerification.objects.filter(pk=object_id).first()
            if verification is not None:
                services.personal_data_viewed(
                    staff_id=request.user.pk,
                    user_id=verification.user_id,
                    what=f"expert verification #{verification.pk}",
                )
        return response

    approve_selected = _decide_action(
        gettext_lazy("Approve selected applications"),
        lambda v, by: services.verification_approve(verification=v, moderator=by),
    )
    reject_selected = _reject_action(
        gettext_lazy("Reject selected applications…"),
        gettext_lazy("Reject selected applications"),
        lambda v, by, reason: services.verification_reject(
            verification=v, moderator=by, reason=reason
        ),
    )


# --- "Sanction users" on the users page ---------------------------------------------


def _sanction_many(
    modeladmin: admin.ModelAdmin, request: HttpRequest, users: QuerySet[User], data: dict[str, Any]
) -> None:
    days = data["days"]
    done = 0
    for user in users:
        try:
            services.sanction_impose(
                user=user,
                kind=data["kind"],
                reason=data["reason"],
                moderator=_moderator(request),
                duration=dt.timedelta(days=days) if days else None,
            )
            done += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{user}: {' '.join(exc.messages)}", messages.WARNING)
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(n)d user sanctioned.", "%(n)d users sanctioned.", done) % {"n": done},
            messages.SUCCESS,
        )


@admin.action(description=gettext_lazy("Mute or ban selected users…"), permissions=["sanction"])
def sanction_users(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> TemplateResponse | None:
    return _with_reason(
        modeladmin,
        request,
        queryset,
        form_class=SanctionForm,
        action="sanction_users",
        title=_("Mute or ban selected users"),
        apply=lambda data: _sanction_many(modeladmin, request, queryset, data),
    )


def _has_sanction_permission(request: HttpRequest) -> bool:
    return request.user.has_perm("moderation.add_sanction")


def users_admin_extend() -> None:
    """Add the sanction action to the users admin (accounts owns that page)."""
    user_admin = admin.site._registry.get(get_user_model())
    if user_admin is None or "sanction_users" in (user_admin.actions or ()):
        return
    user_admin.actions = (*(user_admin.actions or ()), sanction_users)
    # ModelAdmin finds an action's permission check by name: has_<permission>_permission.
    user_admin.has_sanction_permission = _has_sanction_permission  # type: ignore[attr-defined]


users_admin_extend()
