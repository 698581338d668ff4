from django.contrib import admin

from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows are append-only: the admin shows them and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "currency")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference_type", "reference_id", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "reference_id", "memo")
    inlines = [LedgerEntryInline]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner", "currency", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("owner__email",)
    list_select_related = ("owner",)
