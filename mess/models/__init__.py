"""The mess domain's data: one module per feature, every model re-exported here so that the rest
of ManageIt imports them from `mess.models`.

Models hold data, constraints and row-local helpers; each feature's rules, reads and writes live in
its own module (mess/waste.py, mess/alerts.py, ...: see docs/architecture.md).

The limits a record keeps are checked by the database, the forms, the services and the imports
alike: MAX_WASTE_KG and MAX_DINERS (waste), MAX_COMMENT (feedback), MAX_DISHES (menus), and
EARLIEST_DATE, the first day waste and feedback may be of (and the jobs may look at).
"""

from mess.models.absences import Absence
from mess.models.alerts import Alert, AlertKind
from mess.models.announcements import MAX_ANNOUNCEMENT_TEXT, MAX_ANNOUNCEMENT_TITLE, Announcement, AnnouncementChange
from mess.models.channels import MAX_PUSH_ENDPOINT, Channel, ChannelChoice, MessageKind, OutgoingMessage, PushSubscription
from mess.models.feedback import (
    MAX_COMMENT,
    VIEW_FEEDBACK_AUTHORS,
    ComplaintTerm,
    ComplaintTheme,
    DishVote,
    Feedback,
    FeedbackCategory,
    FeedbackNamedExport,
)
from mess.models.imports import StagedFeedback, StagedImport, StagedWaste
from mess.models.logins import LoginAddress
from mess.models.menus import MAX_DISHES, MenuChange, MenuWeek, NonVegItem, NonVegMenu, RegularMenu, TemporaryMenu
from mess.models.mess_changes import MAX_REASON, MessChangeCapacity, MessChangeRequest, MessChangeWindow
from mess.models.messes import (
    CO2E_PER_KG,
    DEFAULT_CUTOFF,
    EARLIEST_DATE,
    KG_PER_MEAL,
    MAX_CUTOFF_MINUTES,
    Closure,
    ClosureChange,
    Floor,
    Meal,
    MealWindow,
    Mess,
    Weekday,
    not_in_future,
)
from mess.models.outputs import CookSheet, DailyReport, DayTotals, Notification, OutgoingEmail, WasteBaseline, WasteReminder, WeekTotals
from mess.models.people import Profile, Role
from mess.models.scopes import MAX_GROUP_LEVELS, GroupAdmin, MessGroup
from mess.models.telegram import TelegramBot, TelegramLink
from mess.models.waste import MAX_COOKED_KG, MAX_DINERS, MAX_WASTE_KG, CookedFood, WasteChange, WasteRecord

__all__ = [
    "MAX_GROUP_LEVELS",
    "GroupAdmin",
    "MessGroup",
    "DEFAULT_CUTOFF",
    "CO2E_PER_KG",
    "KG_PER_MEAL",
    "MAX_COOKED_KG",
    "MAX_CUTOFF_MINUTES",
    "Absence",
    "CookSheet",
    "CookedFood",
    "EARLIEST_DATE",
    "MAX_COMMENT",
    "MAX_REASON",
    "MessChangeCapacity",
    "MessChangeRequest",
    "MessChangeWindow",
    "MAX_DINERS",
    "MAX_DISHES",
    "MAX_WASTE_KG",
    "Alert",
    "Announcement",
    "AnnouncementChange",
    "MAX_ANNOUNCEMENT_TEXT",
    "MAX_ANNOUNCEMENT_TITLE",
    "AlertKind",
    "Channel",
    "ChannelChoice",
    "MAX_PUSH_ENDPOINT",
    "MessageKind",
    "OutgoingMessage",
    "PushSubscription",
    "Closure",
    "ClosureChange",
    "ComplaintTerm",
    "ComplaintTheme",
    "DailyReport",
    "DayTotals",
    "DishVote",
    "Feedback",
    "FeedbackNamedExport",
    "VIEW_FEEDBACK_AUTHORS",
    "FeedbackCategory",
    "Floor",
    "LoginAddress",
    "Meal",
    "MealWindow",
    "MenuChange",
    "MenuWeek",
    "Mess",
    "NonVegItem",
    "NonVegMenu",
    "Notification",
    "OutgoingEmail",
    "Profile",
    "RegularMenu",
    "Role",
    "StagedFeedback",
    "StagedImport",
    "StagedWaste",
    "TelegramBot",
    "TelegramLink",
    "TemporaryMenu",
    "WasteBaseline",
    "WasteChange",
    "WasteRecord",
    "WasteReminder",
    "WeekTotals",
    "Weekday",
    "not_in_future",
]
