"""The web pages' URLs (see mess/views/)."""

from django.urls import path

from mess.views import (
    absences,
    accounts,
    alerts,
    announcements,
    closures,
    dashboard,
    email_choices,
    exports,
    feedback,
    languages,
    menu_editing,
    menus,
    mess_changes,
    notifications,
    overview,
    push,
    replies,
    reports,
    scorecard,
    telegram,
    waste,
)

app_name = "mess"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("overview/", overview.overview, name="overview"),
    path("overview/messes.csv", overview.overview_csv, name="overview_csv"),
    path("overview/waste.csv", exports.overview_export_waste, name="overview_export_waste"),
    path("overview/feedback.csv", exports.overview_export_feedback, name="overview_export_feedback"),
    path("feedback/", feedback.feedback, name="feedback"),
    path("language/", languages.language, name="language"),
    # Students say which meals they will not eat (mess/absences.py)
    path("absences/skip/", absences.skip, name="absence_skip"),
    path("absences/back/", absences.take_back, name="absence_take_back"),
    path("absences/leave/", absences.leave, name="absence_leave"),
    # Students change mess (mess/mess_changes.py)
    path("mess-change/", mess_changes.mess_change, name="mess_change"),
    path("mess-change/<int:pk>/withdraw/", mess_changes.withdraw, name="mess_change_withdraw"),
    path("mess/<slug:code>/", dashboard.dashboard, name="dashboard"),
    path("mess/<slug:code>/waste/", waste.waste_entry, name="waste"),
    path("mess/<slug:code>/waste/<int:pk>/delete/", waste.waste_delete, name="waste_delete"),
    path("mess/<slug:code>/waste/history/", waste.waste_history_page, name="waste_history"),
    path("mess/<slug:code>/waste.csv", exports.export_waste, name="export_waste"),
    path("mess/<slug:code>/feedback.csv", exports.export_feedback, name="export_feedback"),
    path("mess/<slug:code>/absences/", absences.mess_absences, name="absences"),
    path("mess/<slug:code>/absences.csv", absences.export_absences, name="export_absences"),
    path("mess/<slug:code>/notifications/read/", notifications.notifications_read_all, name="notifications_read_all"),
    path("mess/<slug:code>/notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("mess/<slug:code>/reports/<str:day>/", reports.daily_report, name="report"),
    # Officials edit their menus (mess/menu_editing.py)
    path("mess/<slug:code>/menu/", menu_editing.weekly, name="menu_edit"),
    path("mess/<slug:code>/menu/rotation/", menu_editing.rotation, name="menu_rotation"),
    path("mess/<slug:code>/menu/day/", menu_editing.day, name="menu_day"),
    path("mess/<slug:code>/menu/day/remove/", menu_editing.day_remove, name="menu_day_remove"),
    path("mess/<slug:code>/menu/nonveg/", menu_editing.nonveg, name="menu_nonveg"),
    path("mess/<slug:code>/menu/history/", menu_editing.history, name="menu_history"),
    path("mess/<slug:code>/menu.csv", menus.export_menu, name="export_menu"),
    path("menu/<slug:code>/", menus.public_menu, name="public_menu"),
    # Closed days (mess/closures.py)
    path("mess/<slug:code>/closures/", closures.closures, name="closures"),
    path("mess/<slug:code>/closures/<int:pk>/delete/", closures.closure_delete, name="closure_delete"),
    # Announcements to the students (mess/announcements.py)
    path("mess/<slug:code>/announcements/", announcements.announcements, name="announcements"),
    path("mess/<slug:code>/announcements/<int:pk>/", announcements.announcement_edit, name="announcement_edit"),
    path("mess/<slug:code>/announcements/<int:pk>/delete/", announcements.announcement_delete, name="announcement_delete"),
    path("mess/<slug:code>/notifications/", notifications.notifications, name="notifications"),
    path("mess/<slug:code>/feedback/<int:pk>/reply/", replies.reply, name="reply"),
    path("mess/<slug:code>/notifications/<int:pk>/", notifications.notification, name="notification"),
    path("settings/", email_choices.email_settings, name="settings"),
    # Anyone signed in links their Telegram chat to the mess's bot (mess/telegram.py)
    path("settings/telegram/", telegram.telegram, name="telegram"),
    path("settings/telegram/unlink/", telegram.unlink, name="telegram_unlink"),
    # Web Push (mess/push.py): the service worker at the site's root, and a browser's subscription
    path("sw.js", push.service_worker, name="service_worker"),
    path("settings/push/", push.push_subscribe, name="push_subscribe"),
    path("settings/push/remove/", push.push_unsubscribe, name="push_unsubscribe"),
    path("mess/<slug:code>/alerts/", alerts.alert_history, name="alert_history"),
    path("mess/<slug:code>/alerts/<int:pk>/acknowledge/", alerts.alert_acknowledge_page, name="alert_acknowledge"),
    path("mess/<slug:code>/scorecard/", scorecard.scorecard_page, name="scorecard"),
]
