"""E-mail choices: which of ManageIt's e-mails each official and admin gets. The choices (one Profile
field each), reading and saving a person's, and the rule every recipient list applies (`users_wanting`):
a person who chose nothing gets everything. Who is asked about a mess is mess/people.py's."""

from django.db.models import Q

from mess.models import Profile

# The e-mails a person may choose to get or not, as their Profile's fields: what each is about.
EMAILS_CRITICAL = "emails_critical"  # a meal's critical feedback (send_admin_notifications)
EMAILS_MISSING_WASTE = "emails_missing_waste"  # floors that recorded no waste (send_waste_reminders)
EMAILS_DAILY_REPORT = "emails_daily_report"  # send_daily_report
EMAILS_JOB_PROBLEMS = "emails_job_problems"  # the admins only: schedules failing, recovering or late
EMAILS_COOK_SHEET = "emails_cook_sheet"  # the officials only: each meal's cook sheet at its cut-off (send_cook_sheet)
EMAIL_CHOICES = (EMAILS_CRITICAL, EMAILS_MISSING_WASTE, EMAILS_DAILY_REPORT, EMAILS_JOB_PROBLEMS, EMAILS_COOK_SHEET)


def users_wanting(about: str) -> Q:
    """The users who get the e-mails `about` (a Profile field of EMAIL_CHOICES): those who chose
    them, and those without a Profile row, who have chosen nothing and get everything."""
    if about not in EMAIL_CHOICES:
        raise ValueError(f"unknown e-mail choice {about!r}; the choices are: {', '.join(EMAIL_CHOICES)}")
    return Q(profile__isnull=True) | Q(**{f"profile__{about}": True})


def email_choices(*, user) -> dict[str, bool]:
    """The e-mails `user` chose to get, by EMAIL_CHOICES field: all of them for a user without a
    Profile row. One query."""
    row = Profile.objects.filter(user=user).values(*EMAIL_CHOICES).first()
    return row or dict.fromkeys(EMAIL_CHOICES, True)


def email_choices_save(*, user, choices: dict[str, bool]) -> None:
    """Stores which e-mails `user` gets: each field of EMAIL_CHOICES in `choices` is set, the others
    left as they were (a Profile row is created for a user who has none, with the rest left on).
    Raises ValueError, changing nothing, for a key that is not one of EMAIL_CHOICES."""
    unknown = sorted(set(choices) - set(EMAIL_CHOICES))
    if unknown:
        raise ValueError(f"unknown e-mail choice {', '.join(map(repr, unknown))}; the choices are: {', '.join(EMAIL_CHOICES)}")
    Profile.objects.update_or_create(user=user, defaults={name: bool(value) for name, value in choices.items()})
