"""ManageIt's URLs: the web pages (mess/urls.py), signing in and out, and Django admin. The front
page sends each role to its page."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from mess.views import accounts
from scheduling import views as scheduling_views

admin.site.site_header = "ManageIt"
admin.site.site_title = "ManageIt"
admin.site.index_title = "Messes, menus, waste, feedback and jobs"
# The navigation sidebar took 300 px of every list at a desktop's 1280: the schedules' and the run log's last
# columns fell off the screen. Breadcrumbs and the index lead everywhere it did.
admin.site.enable_nav_sidebar = False


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; the icon is a static file."""
    return redirect(static("favicon.svg"))


urlpatterns = [
    # Django admin's own password page would count no wrong old password: ManageIt's does.
    path("admin/password_change/", accounts.PasswordChange.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("accounts/password/", accounts.PasswordChange.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", accounts.PasswordReset.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("favicon.ico", favicon),
    path("health/", scheduling_views.health, name="health"),
    path("health/jobs/", scheduling_views.health_jobs, name="health_jobs"),
    path("", include("mess.urls")),
]
