from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.events import PersonalDataViewed
from accounts.models import AccountDeletion, ConsentRecord, DataExport, User
from accounts.services import user_update_profile
from core import events
from core.admin import ServiceWritesAdmin

PROFILE_FIELDS = ("display_name", "bio", "preferred_language")


@admin.register(User)
class UserAdmin(ServiceWritesAdmin, DjangoUserAdmin):
    """Django's user admin; the public profile (name, bio) is saved through
    `user_update_profile`, so it is screened like an edit on the profile page."""

    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": PROFILE_FIELDS}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A user's detail page is personal data: each opening goes to the audit trail."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and object_id.isdigit():
            events.send_on_commit(
                PersonalDataViewed(
                    staff_id=request.user.pk, user_id=int(object_id), what="admin user page"
                )
            )
        return response

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and set(PROFILE_FIELDS) & set(form.changed_data):
            profile: dict[str, Any] = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
            user_update_profile(user=obj, **profile)  # screened: a refusal rolls back


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records staff may look at (metadata only: never an export's contents) but not
    change: the user's own actions and the jobs write them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountDeletion)
class AccountDeletionAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "status", "requested_at", "due_at", "attempts", "error")
    list_filter = ("status",)


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "status", "progress", "created_at", "expires_at", "attempts")
    list_filter = ("status",)
    exclude = ("file",)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "purpose", "granted", "created_at")
    list_filter = ("purpose", "granted")
