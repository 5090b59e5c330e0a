"""ManageIt's URLs. Until the mess officials' pages exist, the front page is Django admin."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "ManageIt"
admin.site.site_title = "ManageIt"
admin.site.index_title = "Messes, menus, waste, feedback and jobs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
