from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # accounts.services imports the models: only once the app registry is ready.
        from accounts import own_data
        from accounts.services import login_session_forget, login_session_record

        own_data.register()
        user_logged_in.connect(login_session_record, dispatch_uid="accounts-login-session")
        user_logged_out.connect(login_session_forget, dispatch_uid="accounts-logout-session")
