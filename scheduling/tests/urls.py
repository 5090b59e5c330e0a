"""What scheduling serves: its admin and the health probes."""

from django.contrib import admin
from django.urls import path

from scheduling import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
    path("health/jobs/", views.health_jobs, name="health_jobs"),
]
