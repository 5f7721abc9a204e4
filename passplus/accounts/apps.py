from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "passplus.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from passplus.accounts.sessions import start_session_clocks

        user_logged_in.connect(start_session_clocks, dispatch_uid="passplus_session_clocks")
