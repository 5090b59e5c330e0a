"""What the admin tests share: a maker of rows for each model, the URLs, and the forms' posts."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from mess.models import (
    Absence,
    Alert,
    AlertKind,
    Announcement,
    AnnouncementChange,
    ChannelChoice,
    Closure,
    ClosureChange,
    ComplaintTerm,
    ComplaintTheme,
    CookedFood,
    CookSheet,
    DailyReport,
    DayTotals,
    Feedback,
    Floor,
    GroupAdmin,
    Meal,
    MealWindow,
    MenuChange,
    Mess,
    MessChangeRequest,
    MessChangeWindow,
    MessGroup,
    NonVegItem,
    NonVegMenu,
    Notification,
    OutgoingEmail,
    OutgoingMessage,
    Profile,
    PushSubscription,
    RegularMenu,
    TelegramLink,
    TemporaryMenu,
    WasteChange,
    WasteRecord,
    WasteReminder,
)

User = get_user_model()

DAY = datetime.date(2025, 1, 15)
MESS_MODELS = [
    MealWindow,
    Mess,
    Closure,
    ClosureChange,
    Announcement,
    AnnouncementChange,
    Floor,
    Profile,
    RegularMenu,
    TemporaryMenu,
    NonVegMenu,
    NonVegItem,
    WasteRecord,
    Feedback,
    Alert,
    Notification,
    DailyReport,
    DayTotals,
    ComplaintTheme,
    ComplaintTerm,
    OutgoingEmail,
    WasteChange,
    WasteReminder,
    Absence,
    CookSheet,
    CookedFood,
    MessChangeWindow,
    MessChangeRequest,
    MessGroup,
    GroupAdmin,
    TelegramLink,
    OutgoingMessage,
    PushSubscription,
    ChannelChoice,
]
PRODUCED_BY_JOBS = [Alert, Notification, DailyReport, DayTotals, OutgoingEmail, OutgoingMessage, WasteReminder, CookSheet]
NOT_ADDED_BY_HAND = [
    *PRODUCED_BY_JOBS,
    PushSubscription,
    ChannelChoice,
    WasteChange,
    ClosureChange,
    AnnouncementChange,
    Feedback,
    Absence,
    MessChangeRequest,
    TelegramLink,
]


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


# Each maker adds `n` rows of its model, numbered from `start` so that later rows never collide with
# earlier ones, and each row points at its own related rows, so a missing select_related shows up.


def make_users(n, start, mess):
    users = User.objects.bulk_create([User(username=f"user{i}") for i in range(start, start + n)])
    Profile.objects.bulk_create([Profile(user=user, mess=mess) for user in users])
    return users


def make_messes(n, start):
    return Mess.objects.bulk_create([Mess(code=f"m{i}", name=f"Mess {i}") for i in range(start, start + n)])


def make_floors(n, start):
    return Floor.objects.bulk_create([Floor(mess=mess, name="Ground") for mess in make_messes(n, start)])


def make_nonveg_menus(n, start):
    return NonVegMenu.objects.bulk_create(
        [NonVegMenu(mess=mess, date=DAY, meal=Meal.DINNER) for mess in make_messes(n, start)],
    )


def make_absences(n, start):
    return Absence.objects.bulk_create(
        [
            Absence(student=make_users(1, start + i, mess)[0], mess=mess, first_day=DAY, last_day=DAY)
            for i, mess in enumerate(make_messes(n, start))
        ]
    )


def make_windows(n, start):
    return MessChangeWindow.objects.bulk_create(
        [
            MessChangeWindow(first_day=DAY + datetime.timedelta(days=10 * i), last_day=DAY + datetime.timedelta(days=10 * i + 5))
            for i in range(start, start + n)
        ]
    )


def make_change_requests(n, start):
    window, (here, there) = make_windows(1, start)[0], make_messes(2, start)
    return MessChangeRequest.objects.bulk_create(
        [
            MessChangeRequest(window=window, student=user, from_mess=here, to_mess=there, reason="Closer")
            for user in make_users(n, start, here)
        ]
    )


def make_groups(n, start):
    return MessGroup.objects.bulk_create([MessGroup(code=f"g{i}", name=f"Group {i}") for i in range(start, start + n)])


def make_telegram_links(n, start):
    return TelegramLink.objects.bulk_create(
        [TelegramLink(user=user, chat_id=1000 + i, linked_at=timezone.now()) for i, user in enumerate(make_users(n, start, None), start)]
    )


ROW_MAKERS = {
    TelegramLink: make_telegram_links,
    Mess: make_messes,
    MessGroup: make_groups,
    GroupAdmin: lambda n, start: GroupAdmin.objects.bulk_create(
        [GroupAdmin(user=user, group=group) for user, group in zip(make_users(n, start, None), make_groups(n, start), strict=True)]
    ),
    Floor: make_floors,
    User: lambda n, start: make_users(n, start, None),
    Profile: lambda n, start: make_users(n, start, Mess.objects.create(code=f"p{start}", name="P")),
    RegularMenu: lambda n, start: RegularMenu.objects.bulk_create(
        [RegularMenu(mess=mess, weekday=0, meal=Meal.LUNCH, dishes="Dal\nRice") for mess in make_messes(n, start)],
    ),
    TemporaryMenu: lambda n, start: TemporaryMenu.objects.bulk_create(
        [TemporaryMenu(mess=mess, date=DAY, meal=Meal.LUNCH, dishes="Biryani") for mess in make_messes(n, start)],
    ),
    NonVegMenu: lambda n, start: NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name=name, price=Decimal("120")) for menu in make_nonveg_menus(n, start) for name in ["Chicken", "Fish"]],
    ),
    NonVegItem: lambda n, start: NonVegItem.objects.bulk_create(
        [NonVegItem(menu=menu, name="Chicken", price=Decimal("120")) for menu in make_nonveg_menus(n, start)],
    ),
    WasteRecord: lambda n, start: WasteRecord.objects.bulk_create(
        [
            WasteRecord(floor=floor, date=DAY, meal=Meal.LUNCH, total_kg=Decimal("12.5"), diners=200, recorded_by=user)
            for floor, user in zip(make_floors(n, start), make_users(n, start, None), strict=True)
        ],
    ),
    Feedback: lambda n, start: Feedback.objects.bulk_create(
        [
            Feedback(student=user, mess=user.profile.mess, date=DAY, meal=Meal.LUNCH, rating=2, comment="Cold rice")
            for user in make_users(n, start, Mess.objects.create(code=f"f{start}", name="F"))
        ],
    ),
    Alert: lambda n, start: Alert.objects.bulk_create(
        [
            Alert(
                mess=mess,
                kind=AlertKind.HIGH_WASTE,
                subject="Ground",
                value=Decimal("60"),
                threshold=Decimal("50"),
                window_start=DAY - datetime.timedelta(days=6),
                window_end=DAY,
                first_seen_at=timezone.now(),
                last_seen_at=timezone.now(),
            )
            for mess in make_messes(n, start)
        ],
    ),
    Notification: lambda n, start: Notification.objects.bulk_create(
        [
            Notification(mess=mess, date=DAY, meal=Meal.LUNCH, critical_count=3, comments=[{"text": "Cold", "why": ""}])
            for mess in make_messes(n, start)
        ],
    ),
    WasteReminder: lambda n, start: WasteReminder.objects.bulk_create(
        [WasteReminder(mess=mess, date=DAY, meal=Meal.LUNCH, floors=["Ground", "First"]) for mess in make_messes(n, start)],
    ),
    DailyReport: lambda n, start: DailyReport.objects.bulk_create(
        [DailyReport(mess=mess, date=DAY, text_body="Report", html_body="<p>Report</p>") for mess in make_messes(n, start)],
    ),
    ComplaintTheme: lambda n, start: ComplaintTerm.objects.bulk_create(
        [
            ComplaintTerm(theme=theme, words=f"term {start + i} {j}")
            for i, theme in enumerate(
                ComplaintTheme.objects.bulk_create([ComplaintTheme(code=f"t{start + i}", name="T") for i in range(n)])
            )
            for j in range(2)
        ]
    ),
    ComplaintTerm: lambda n, start: ComplaintTerm.objects.bulk_create(
        [ComplaintTerm(theme=ComplaintTheme.objects.get(code="dirty"), words=f"word {start + i}") for i in range(n)]
    ),
    OutgoingMessage: lambda n, start: OutgoingMessage.objects.bulk_create(
        [
            OutgoingMessage(
                channel="push", user=user, kind="reply", key=str(start + i), title="The mess replied", attempts=1, last_error="500"
            )
            for i, user in enumerate(make_users(n, start, None))
        ]
    ),
    PushSubscription: lambda n, start: PushSubscription.objects.bulk_create(
        [
            PushSubscription(user=user, endpoint=f"https://push.example.org/{start + i}", p256dh="key", auth="secret")
            for i, user in enumerate(make_users(n, start, None))
        ]
    ),
    ChannelChoice: lambda n, start: ChannelChoice.objects.bulk_create(
        [ChannelChoice(user=user, kind="announcement", channel="push", on=True) for user in make_users(n, start, None)]
    ),
    OutgoingEmail: lambda n, start: OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                kind="daily-report",
                from_email="ManageIt <manageit@localhost>",
                to=["olga@example.org"],
                subject=f"Report {start + i}",
                text_body="Report",
                html_body="<p>Report</p>",
                message_id=f"<{start + i}@example.org>",
                attempts=1,
                last_error="SMTPDataError: (451, b'Try again later')",
            )
            for i in range(n)
        ],
    ),
    WasteChange: lambda n, start: WasteChange.objects.bulk_create(
        [
            WasteChange(mess=floor.mess, floor=floor, floor_name="Ground", date=DAY, meal=Meal.LUNCH, action="changed", changed_by=user)
            for floor, user in zip(make_floors(n, start), make_users(n, start, None), strict=True)
        ],
    ),
    Absence: make_absences,
    Announcement: lambda n, start: Announcement.objects.bulk_create(
        [
            Announcement(mess=mess, title="Pest control", text="Closed Sunday dinner", first_day=DAY, last_day=DAY, posted_by=user)
            for mess, user in zip(make_messes(n, start), make_users(n, start, None), strict=True)
        ],
    ),
    AnnouncementChange: lambda n, start: AnnouncementChange.objects.bulk_create(
        [
            AnnouncementChange(mess=mess, announcement_id=1, action="removed", title_before="Pest control", changed_by=user)
            for mess, user in zip(make_messes(n, start), make_users(n, start, None), strict=True)
        ],
    ),
    CookSheet: lambda n, start: CookSheet.objects.bulk_create(
        [
            CookSheet(mess=mess, date=DAY, meal=Meal.LUNCH, students=90, absent=5, forecast=80, explanation="expected 80", to_cook=84)
            for mess in make_messes(n, start)
        ],
    ),
    CookedFood: lambda n, start: CookedFood.objects.bulk_create(
        [
            CookedFood(mess=mess, date=DAY, meal=Meal.LUNCH, kg=Decimal("120.5"), recorded_by=user)
            for mess, user in zip(make_messes(n, start), make_users(n, start, None), strict=True)
        ],
    ),
    MessChangeWindow: make_windows,
    MessChangeRequest: make_change_requests,
    DayTotals: lambda n, start: DayTotals.objects.bulk_create(
        [
            DayTotals(mess=mess, date=DAY, waste_records=3, waste_kg=Decimal("30"), feedback_count=4, rating_sum=13)
            for mess in make_messes(n, start)
        ],
    ),
}


MESS_POST = {
    "code": "mess3",
    "name": "Mess 3",
    "is_active": "on",
    "waste_threshold_kg": "40",
    "rating_threshold": "3.5",
    "alert_window_days": "7",
    "waste_threshold_g_per_diner": "150",
    "min_ratings": "10",
    "absence_cutoff_minutes": "180",
    "menu_message_minutes": "30",
    "cook_margin_percent": "5",
    "co2e_per_kg": "2.50",
    "kg_per_meal": "0.420",
    "waste_goal_percent": "20",
}


def menu_history() -> list[tuple]:
    return list(
        MenuChange.objects.order_by("id").values_list(
            "mess__code", "kind", "meal", "date", "weekday", "week", "before", "after", "changed_by"
        )
    )


def nonveg_post(mess, date, items, *, initial=0, **extra) -> dict:
    data = {
        "mess": mess.pk,
        "date": date.isoformat(),
        "meal": "dinner",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        **extra,
    }
    for n, (name, price) in enumerate(items):
        data[f"items-{n}-name"], data[f"items-{n}-price"] = name, price
    return data


def field_errors(response, field: str) -> list[str]:
    return response.context["adminform"].form.errors.get(field, [])
