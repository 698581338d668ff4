"""The moderators' desk: one review queue for everything held or reported, reports,
sanctions, expert verifications and the (read-only) audit trail. Every decision goes
through moderation.services, so it is audited and one of two decisions wins."""

import datetime as dt
import logging

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from moderation import registry, services
from moderation.forms import RejectForm, SanctionForm
from moderation.models import (
    BlockedTerm,
    ExpertVerification,
    ModerationAction,
    Report,
    ReviewItem,
    Sanction,
    VerificationDocument,
)

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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _decide_many(modeladmin, request, queryset, decide) -> None:
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


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "author",
        "short_excerpt",
        "reasons_shown",
        "reports_shown",
        "age",
        "source",
        "status",
    )
    list_filter = ("status", "source", "content_type")
    search_fields = ("excerpt", "author__email", "author__display_name", "decision_reason")
    list_select_related = ("author", "content_type")
    actions = ("approve_selected", "reject_selected", "escalate_selected")
    change_form_template = "admin/moderation/reviewitem/change_form.html"
    readonly_fields = (
        "kind",
        "author",
        "excerpt",
        "reasons_shown",
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

    def get_queryset(self, request):
        reports = (
            Report.objects.filter(
                content_type_id=OuterRef("content_type_id"), object_id=OuterRef("object_id")
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("type"), ordering="content_type")
    def kind(self, item):
        return item.content_type.name

    @admin.display(description=gettext_lazy("excerpt"))
    def short_excerpt(self, item):
        return item.excerpt[:80] + ("…" if len(item.excerpt) > 80 else "")

    @admin.display(description=gettext_lazy("reasons"))
    def reasons_shown(self, item):
        return "; ".join(item.reasons)

    @admin.display(description=gettext_lazy("reports (weight)"), ordering="report_weight")
    def reports_shown(self, item):
        count = getattr(item, "report_count", 0)
        return f"{count} ({item.report_weight:.1f})" if count else "—"

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
    def age(self, item):
        return timesince(item.created_at)

    # --- decisions ---------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="moderation_reviewitem_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        if request.method != "POST":
            return redirect("admin:moderation_reviewitem_change", pk)
        if not self.has_change_permission(request):
            raise PermissionDenied
        item = get_object_or_404(ReviewItem, pk=pk)
        decision = request.POST.get("decision")
        reason = request.POST.get("reason", "")
        try:
            if decision == "approve":
                services.review_approve(item=item, moderator=request.user)
                self.message_user(request, _("Approved: the content is shown."), messages.SUCCESS)
            elif decision == "reject":
                services.review_reject(item=item, moderator=request.user, reason=reason)
                self.message_user(
                    request, _("Rejected: the author was told why."), messages.SUCCESS
                )
            elif decision == "escalate":
                services.review_escalate(item=item, moderator=request.user, reason=reason)
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra = extra_context or {}
        if item is not None:
            obj = item.content_object
            url = ""
            if obj is not None:
                try:
                    url = registry.adapter_for(obj).url(obj)
                except Exception:  # noqa: BLE001 - show the item anyway
                    url = ""
            extra.update(
                item=item,
                content_url=url,
                content_text=registry.adapter_for(obj).text(obj) if obj is not None else "",
                reports=Report.objects.filter(
                    content_type_id=item.content_type_id, object_id=item.object_id
                ).select_related("reporter"),
                history=ModerationAction.objects.filter(item=item).select_related("actor"),
                can_decide=self.has_change_permission(request, item),
                decide_url=reverse("admin:moderation_reviewitem_decide", args=[item.pk]),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @admin.action(description=gettext_lazy("Approve selected items"), permissions=["change"])
    def approve_selected(self, request, queryset):
        _decide_many(
            self,
            request,
            queryset,
            lambda item: services.review_approve(item=item, moderator=request.user),
        )

    @admin.action(description=gettext_lazy("Escalate selected items"), permissions=["change"])
    def escalate_selected(self, request, queryset):
        _decide_many(
            self,
            request,
            queryset,
            lambda item: services.review_escalate(item=item, moderator=request.user),
        )

    @admin.action(description=gettext_lazy("Reject selected items…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            _decide_many(
                self,
                request,
                queryset,
                lambda item: services.review_reject(
                    item=item, moderator=request.user, reason=reason
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/moderation/reject_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject selected items"),
                "form": form,
                "queryset": queryset,
                "action": "reject_selected",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
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
    list_filter = ("outcome", "content_type")
    search_fields = ("reason", "reporter__email")
    list_select_related = ("reporter", "content_type")


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor", "target_user", "item", "sanction", "reason")
    list_filter = ("kind",)
    search_fields = ("reason", "actor__email", "target_user__email")
    list_select_related = ("actor", "target_user", "item__content_type", "sanction")
    date_hierarchy = "created_at"


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

    @admin.display(description=gettext_lazy("where"))
    def where(self, sanction):
        return sanction.channel.title if sanction.channel_id else _("site-wide")

    @admin.display(description=gettext_lazy("active"), boolean=True)
    def active(self, sanction):
        return sanction.lifted_at is None and (
            sanction.expires_at is None or sanction.expires_at > timezone.now()
        )

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # lift it instead: the audit trail keeps it

    def save_model(self, request, obj, form, change):
        if change:
            return
        sanction = services.sanction_impose(
            user=obj.user,
            kind=obj.kind,
            channel=obj.channel,
            expires_at=obj.expires_at,
            reason=obj.reason,
            moderator=request.user,
        )
        obj.pk = sanction.pk
        obj.created_at = sanction.created_at

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        moderator = request.user

        class Checked(form):
            def clean(self):
                data = super().clean()
                user = data.get("user")
                expires_at = data.get("expires_at")
                if user is not None and user.pk == moderator.pk:
                    raise ValidationError(_("You can't sanction yourself."))
                if user is not None and user.is_superuser:
                    raise ValidationError(_("Administrators can't be sanctioned here."))
                if expires_at is not None and expires_at <= timezone.now():
                    raise ValidationError(_("The expiry must be in the future."))
                return data

        return Checked

    @admin.action(description=gettext_lazy("Lift selected sanctions"), permissions=["change"])
    def lift_selected(self, request, queryset):
        for sanction in queryset:
            services.sanction_lift(sanction=sanction, moderator=request.user)
        self.message_user(request, _("Lifted."), messages.SUCCESS)


class VerificationDocumentInline(admin.TabularInline):
    model = VerificationDocument
    extra = 0
    fields = ("document", "content_type", "size")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("document"))
    def document(self, doc):
        return format_html(
            '<a href="{}" rel="noopener">{}</a>',
            reverse("moderation:verification_document", args=[doc.pk]),
            doc.file.name,
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExpertVerification)
class ExpertVerificationAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__email", "credentials")
    list_select_related = ("user", "decided_by")
    inlines = (VerificationDocumentInline,)
    fields = ("user", "credentials", "status", "decided_by", "decided_at", "decision_reason")
    readonly_fields = fields
    actions = ("approve_selected", "reject_selected")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Approve selected applications"), permissions=["change"])
    def approve_selected(self, request, queryset):
        _decide_many(
            self,
            request,
            queryset,
            lambda v: services.verification_approve(verification=v, moderator=request.user),
        )

    @admin.action(description=gettext_lazy("Reject selected applications…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            _decide_many(
                self,
                request,
                queryset,
                lambda v: services.verification_reject(
                    verification=v, moderator=request.user, reason=reason
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/moderation/reject_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject selected applications"),
                "form": form,
                "queryset": queryset,
                "action": "reject_selected",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


# --- "Sanction users" on the users page ---------------------------------------------


@admin.action(description=gettext_lazy("Mute or ban selected users…"), permissions=["sanction"])
def sanction_users(modeladmin, request, queryset):
    form = SanctionForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        days = form.cleaned_data["days"]
        done = 0
        for user in queryset:
            try:
                services.sanction_impose(
                    user=user,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    moderator=request.user,
                    duration=dt.timedelta(days=days) if days else None,
                )
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{user}: {' '.join(exc.messages)}", messages.WARNING
                )
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(n)d user sanctioned.", "%(n)d users sanctioned.", done) % {"n": done},
                messages.SUCCESS,
            )
        return None
    return TemplateResponse(
        request,
        "admin/moderation/reject_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Mute or ban selected users"),
            "form": form,
            "queryset": queryset,
            "action": "sanction_users",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


def _has_sanction_permission(request) -> bool:
    return request.user.has_perm("moderation.add_sanction")


def users_admin_extend() -> None:
    """Add the sanction action to the users admin (accounts owns that page)."""
    user_admin = admin.site._registry.get(get_user_model())
    if user_admin is None or "sanction_users" in (user_admin.actions or ()):
        return
    user_admin.actions = (*(user_admin.actions or ()), sanction_users)
    user_admin.has_sanction_permission = _has_sanction_permission


users_admin_extend()
