"""The web pages' URLs (see mess/views/)."""

from django.urls import path

from mess.views import accounts, admins, officials, students

app_name = "mess"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("overview/", admins.overview, name="overview"),
    path("overview/waste.csv", admins.overview_export_waste, name="overview_export_waste"),
    path("overview/feedback.csv", admins.overview_export_feedback, name="overview_export_feedback"),
    path("feedback/", students.feedback, name="feedback"),
    path("mess/<slug:code>/", officials.dashboard, name="dashboard"),
    path("mess/<slug:code>/waste/", officials.waste_entry, name="waste"),
    path("mess/<slug:code>/waste.csv", officials.export_waste, name="export_waste"),
    path("mess/<slug:code>/feedback.csv", officials.export_feedback, name="export_feedback"),
    path("mess/<slug:code>/notifications/read/", officials.notifications_read_all, name="notifications_read_all"),
    path("mess/<slug:code>/notifications/<int:pk>/read/", officials.notification_read, name="notification_read"),
    path("mess/<slug:code>/reports/<str:day>/", officials.daily_report, name="report"),
]
