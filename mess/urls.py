"""The web pages' URLs (see mess/views.py)."""

from django.urls import path

from mess import views

app_name = "mess"

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("overview/waste.csv", views.overview_export_waste, name="overview_export_waste"),
    path("overview/feedback.csv", views.overview_export_feedback, name="overview_export_feedback"),
    path("feedback/", views.feedback, name="feedback"),
    path("mess/<slug:code>/", views.dashboard, name="dashboard"),
    path("mess/<slug:code>/waste/", views.waste_entry, name="waste"),
    path("mess/<slug:code>/waste.csv", views.export_waste, name="export_waste"),
    path("mess/<slug:code>/feedback.csv", views.export_feedback, name="export_feedback"),
    path("mess/<slug:code>/notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("mess/<slug:code>/notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("mess/<slug:code>/reports/<str:day>/", views.daily_report, name="report"),
]
