from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_update_profile
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

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and set(PROFILE_FIELDS) & set(form.changed_data):
            profile: dict[str, Any] = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
            user_update_profile(user=obj, **profile)  # screened: a refusal rolls back
