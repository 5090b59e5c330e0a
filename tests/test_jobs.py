"""mess/jobs.py: every job of the mess in the registry, each with its command, its parameters' checks
in the mess's own words, and its default schedules, which follow the meal windows an admin changes.
(scheduling's machinery is tested on its own, with its own jobs, in scheduling/tests/.)"""

import datetime as dt

import pytest
from django_q.models import Schedule

from mess import jobs as mess_jobs
from mess.models import MealWindow
from scheduling.registry import JOBS, JobRefused
from scheduling.schedules import RUNNER, schedule_job_key, schedule_kwargs
from scheduling.sync import schedules_sync
from scheduling.tests.helpers import jobs_commands_checked


def test_the_registry_holds_the_mess_jobs_after_schedulings_own():
    assert list(JOBS) == [
        "prune_job_runs",  # scheduling comes before django_q, and so before mess
        "cleanup_old_menu",
        "generate_alerts",
        "send_admin_notifications",
        "send_waste_reminders",
        "send_daily_report",
        "send_cook_sheet",
        "send_menu_messages",
        "send_cutoff_reminders",
        "send_password_reset",
        "anonymise_feedback",
        "assign_mess_changes",
        "telegram_updates",
        "send_messages",
        "refresh_day_totals",
    ]
    assert JOBS["generate_alerts"].func.__module__.startswith("mess.")
    assert JOBS["send_admin_notifications"].default_schedules is mess_jobs.after_each_meal


def test_every_job_is_a_management_command_of_its_app_with_help_and_an_option_for_each_parameter(capsys):
    jobs_commands_checked(capsys)


@pytest.mark.parametrize(
    "job, arguments, message",
    [
        ("send_admin_notifications", {"meal": "brunch"}, "meal: unknown meal 'brunch'; the meals are: breakfast"),
        ("send_admin_notifications", {}, "send_admin_notifications needs the argument 'meal'"),
        ("send_admin_notifications", {"meal": "lunch", "date": "2026-02-30"}, "date: not a date in the form YYYY-MM-DD"),
        ("generate_alerts", {"mess_code": "NOPE"}, "mess_code: no mess with code 'NOPE'"),
        ("generate_alerts", {"floor": "Ground"}, "generate_alerts takes no argument 'floor'; it takes mess_code"),
        ("cleanup_old_menu", {"batch_size": 0}, "batch_size: must be at least 1, not 0"),
        ("cleanup_old_menu", {"dry_run": "maybe"}, "dry_run: not true or false"),
        ("anonymise_feedback", {"batch_size": 0}, "batch_size: must be at least 1, not 0"),
        ("send_daily_report", {"date": "2099-01-01"}, "date: 2099-01-01 is not over yet"),
    ],
)
def test_each_job_checks_its_arguments_in_the_messs_words(db, job, arguments, message):
    with pytest.raises(JobRefused) as refused:
        JOBS[job].arguments(arguments)
    assert message in str(refused.value)


def test_it_creates_the_default_schedules(db):
    result = schedules_sync()
    schedules = {s.name: s for s in Schedule.objects.all()}
    assert sorted(result.created) == sorted(schedules)
    assert {name: s.cron for name, s in schedules.items()} == {
        "cleanup_old_menu": "0 0 * * *",
        "send_cook_sheet:breakfast:180m": "0 4 * * *",
        "send_cook_sheet:lunch:180m": "0 9 * * *",
        "send_cook_sheet:snacks:180m": "0 14 * * *",
        "send_cook_sheet:dinner:180m": "0 16 * * *",
        "generate_alerts": "0 * * * *",
        "send_messages": "* * * * *",
        "send_admin_notifications:breakfast": "0 9 * * *",
        "send_admin_notifications:lunch": "0 14 * * *",
        "send_admin_notifications:snacks": "0 18 * * *",
        "send_admin_notifications:dinner": "0 21 * * *",
        "send_waste_reminders:breakfast": "0 10 * * *",
        "send_waste_reminders:lunch": "0 15 * * *",
        "send_waste_reminders:snacks": "0 19 * * *",
        "send_waste_reminders:dinner": "0 22 * * *",
        "send_daily_report": "0 7 * * *",
        "assign_mess_changes": "15 0 * * *",
        "refresh_day_totals": "5 * * * *",
        "anonymise_feedback": "45 0 * * *",
        "prune_job_runs": "30 0 * * *",
    }
    lunch = schedules["send_admin_notifications:lunch"]
    assert (lunch.func, schedule_job_key(lunch), schedule_kwargs(lunch)) == (
        RUNNER,
        "send_admin_notifications",
        {"meal": "lunch", "ends_at": "14:00"},
    )
    assert all(s.schedule_type == Schedule.CRON and s.repeats == -1 for s in schedules.values())


def test_notification_schedules_follow_the_meal_windows(db):
    MealWindow.objects.filter(meal="snacks").update(starts_at=dt.time(16, 0), ends_at=dt.time(17, 45))
    schedules_sync()
    assert Schedule.objects.get(name="send_admin_notifications:snacks").cron == "45 17 * * *"


def test_a_meals_new_end_moves_its_notification_schedule_unless_an_admin_retimed_it(as_admin):
    schedules_sync()
    Schedule.objects.filter(name="send_admin_notifications:dinner").update(cron="30 22 * * *")
    for meal, ends_at in [("lunch", "15:00"), ("dinner", "21:30")]:
        window = MealWindow.objects.get(meal=meal)
        response = as_admin.post(
            f"/admin/mess/mealwindow/{window.pk}/change/", {"starts_at": window.starts_at.strftime("%H:%M"), "ends_at": ends_at}
        )
        assert response.status_code == 302
    crons = dict(Schedule.objects.filter(name__startswith="send_admin_notifications:").values_list("name", "cron"))
    assert crons["send_admin_notifications:lunch"] == "0 15 * * *"
    assert crons["send_admin_notifications:dinner"] == "30 22 * * *"  # the admin's own time stays
    assert crons["send_admin_notifications:breakfast"] == "0 9 * * *"
