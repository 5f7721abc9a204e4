from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from passplus.accounts import password_reset, session_views, two_factor_views, views
from passplus.accounts.access import second_factor_on_every_page
from passplus.accounts.forms import LoginForm
from passplus.accounts.password_changes import NotifiedPasswordChangeForm, NotifiedSetPasswordForm

app_name = "accounts"

# Every account page asks staff for the second factor (a password alone must not change the
# password or anything else), but these: they come before it (login, the second factor
# itself), end the session, or are the password reset by e-mailed link, whose token is its
# own proof (staff then still need the second factor for everything else).
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "login",
        "logout",
        "two_factor",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)

pages = [
    path("", views.home, name="home"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("double-authentification/", two_factor_views.two_factor_view, name="two_factor"),
    # The session warning's deadlines (GET) and « Rester connecté » (POST): JSON.
    path("session/", session_views.session_view, name="session"),
    path(
        "mot-de-passe/changer/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change_form.html",
            form_class=NotifiedPasswordChangeForm,
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "mot-de-passe/oubli/",
        password_reset.password_reset_request,
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            form_class=NotifiedSetPasswordForm,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = second_factor_on_every_page(pages, except_names=OPEN_BEFORE_SECOND_FACTOR)
