"""ManageIt's URLs: the web pages (mess/urls.py), signing in and out, and Django admin. The front
page sends each role to its page."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "ManageIt"
admin.site.site_title = "ManageIt"
admin.site.index_title = "Messes, menus, waste, feedback and jobs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("mess.urls")),
]
