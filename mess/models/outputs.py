"""What the jobs produce: notifications, daily reports, missing-waste reminders, the e-mails they
send, and the day and week totals and waste baselines the overview reads."""

from decimal import Decimal
from email.utils import format_datetime

from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Meal, Mess


class Notification(models.Model):
    """Critical feedback of one meal of one mess, for that mess's officials and the admins."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("mess"))
    date = models.DateField(_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    critical_count = models.PositiveIntegerField(_("critical count"))
    average_rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, verbose_name=_("average rating"))
    comments = models.JSONField(
        default=list, blank=True, help_text=_('The newest comments: [{"text", "why"}], newest first.'), verbose_name=_("comments")
    )
    # What it opens with: the complaint themes with their counts and an example each, and the rest
    # (mess.triage.critical_digest); and the language model's summary, when one is configured.
    digest = models.JSONField(default=dict, blank=True, verbose_name=_("digest"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="notification_one_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="notification_meal_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}: {self.critical_count} critical"


class DailyReport(models.Model):
    """One mess's day: waste, ratings, critical feedback and alerts, as sent by send_daily_report."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="daily_reports", verbose_name=_("mess"))
    date = models.DateField(_("date"))
    data = models.JSONField(default=dict, verbose_name=_("data"))
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(_("html body"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # The e-mail of this report, stored before it is sent (see mess/emails.py), and when the mail
    # server accepted it.
    email = models.ForeignKey(
        "OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+", verbose_name=_("email")
    )
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))
    # When the report was recomputed because the day's waste or feedback changed after it was made.
    corrected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("corrected at"))

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "mess__code"]
        constraints = [models.UniqueConstraint(fields=["mess", "date"], name="dailyreport_one_per_mess_date")]

    def __str__(self):
        return f"{self.mess.code} {self.date}"


class WasteReminder(models.Model):
    """The floors of a mess that had recorded no waste for a meal of a day when the missing-waste
    job looked, e-mailed to its officials once per meal."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="waste_reminders", verbose_name=_("mess"))
    date = models.DateField(_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    floors = models.JSONField(default=list, help_text=_("The names of the floors with no record."), verbose_name=_("floors"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    email = models.ForeignKey(
        "OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+", verbose_name=_("email")
    )
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))

    class Meta:
        verbose_name = _("waste reminder")
        verbose_name_plural = _("waste reminders")
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="wastereminder_one_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="wastereminder_meal_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}: {len(self.floors)} floors missing"


class Outbox(models.Model):
    """What an outbox row (an e-mail, a message to a phone) keeps of its sending: stored before it is
    first sent, claimed by the run that sends it, sent once, retried after a failure, given up at
    last (mess/emails.py, mess/channels.py)."""

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    given_up_at = models.DateTimeField(null=True, blank=True, verbose_name=_("given up at"))
    # Until when a run is sending it: several runs may look at the same rows at once (the run handed
    # over when a row is stored, the every-minute run, a job's runs for other meals or messes), and
    # each sends a row only once it has claimed it.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("claimed until"))

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def state(self) -> str:
        return "sent" if self.sent_at else "given up" if self.given_up_at else "not sent yet"


class OutgoingEmail(Outbox):
    """An e-mail of a job (a notification, a daily report) as it is sent, stored before it is first
    sent and sent as stored until the mail server accepts it (see mess/emails.py): a second copy,
    if any, has the same Message-ID and text, and mail programs show it once."""

    kind = models.CharField(max_length=32, help_text=_("The e-mail's template, and the job that sends it."), verbose_name=_("kind"))
    from_email = models.CharField(max_length=255, verbose_name=_("from email"))
    to = models.JSONField(default=list, verbose_name=_("to"))
    subject = models.TextField(_("subject"))
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(_("html body"))
    message_id = models.CharField(max_length=255, unique=True, verbose_name=_("message id"))
    given_up_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the mail server had refused it for good (a 5xx answer) often enough to stop trying."),
        verbose_name=_("given up at"),
    )

    class Meta(Outbox.Meta):
        verbose_name_plural = _("outgoing e-mails")
        verbose_name = _("outgoing e-mail")
        # each run of a job: WHERE sent_at IS NULL AND kind = .. ORDER BY created_at
        indexes = [models.Index(fields=["sent_at", "kind", "created_at"], name="outgoingemail_unsent")]

    def __str__(self):
        return f"{self.subject} ({self.state})"

    def message(self) -> EmailMultiAlternatives:
        """The e-mail as it goes out, the same every time: its Message-ID, date, sender, recipients
        and text are the stored ones."""
        headers = {"Message-ID": self.message_id, "Date": format_datetime(self.created_at)}
        message = EmailMultiAlternatives(self.subject, self.text_body, self.from_email, self.to, headers=headers)
        message.attach_alternative(self.html_body, "text/html")
        return message


class Figures(models.Model):
    """What a mess's days come to, summed from their records: the figures the overview compares."""

    waste_records = models.PositiveIntegerField(default=0, verbose_name=_("waste records"))
    waste_kg = models.DecimalField(_("waste (kg)"), max_digits=12, decimal_places=2, default=Decimal(0))
    counted_kg = models.DecimalField(
        _("waste with a head count (kg)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("Of the meals with a head count."),
    )
    diners = models.PositiveIntegerField(default=0, help_text=_("Head count of the meals with one."), verbose_name=_("diners"))
    feedback_count = models.PositiveIntegerField(default=0, verbose_name=_("feedback count"))
    rating_sum = models.PositiveIntegerField(default=0, verbose_name=_("rating sum"))
    computed_at = models.DateTimeField(auto_now=True, verbose_name=_("computed at"))

    class Meta:
        abstract = True


class DayTotals(Figures):
    """One mess's finished day in figures, for the pages that compare messes over days (the admins'
    overview): kept for the last few days by the refresh_day_totals job and by the services that
    write waste or feedback of a past day. A missing row means "not computed": readers then sum the
    day's records themselves."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="day_totals", verbose_name=_("mess"))
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("day's totals")
        verbose_name_plural = _("days' totals")
        ordering = ["-date", "mess__code"]
        constraints = [models.UniqueConstraint(fields=["date", "mess"], name="daytotals_one_per_date_mess")]

    def __str__(self):
        return f"{self.mess.code} {self.date}"


class WeekTotals(Figures):
    """One mess's DayTotals of the six finished days up to `through`, summed whenever they are kept:
    the overview joins this one row per mess instead of summing six for each figure. It reads it
    only on the day after `through` and when all six days had their row (`days`); the DayTotals
    otherwise."""

    mess = models.OneToOneField(Mess, on_delete=models.CASCADE, primary_key=True, related_name="week_totals", verbose_name=_("mess"))
    through = models.DateField(_("last day"))
    days = models.PositiveIntegerField(_("days summed"), default=0)
    open_waste_records = models.PositiveIntegerField(
        _("waste records of open days"), default=0, help_text=_("Of the days the mess was not closed.")
    )

    class Meta:
        verbose_name = _("week's totals")
        verbose_name_plural = _("weeks' totals")

    def __str__(self):
        return f"{self.mess.code} to {self.through}"


class WasteBaseline(models.Model):
    """A mess's waste goal baseline as last computed from its records: the days it spans and their
    kilograms and diners (of the meals with a head count), for the overview, which then reads a row
    per mess instead of each mess's history. Kept by the refresh_day_totals job and by every change of
    recorded waste in it; read only while it still holds (mess.waste_value.baseline_holds), the
    records otherwise."""

    mess = models.OneToOneField(Mess, on_delete=models.CASCADE, primary_key=True, related_name="waste_baseline", verbose_name=_("mess"))
    chosen = models.BooleanField(_("period chosen"), default=False, help_text=_("Whether the period is the one an admin set for the mess."))
    start = models.DateField(_("first day"), null=True, blank=True)
    end = models.DateField(_("last day"), null=True, blank=True)
    days = models.PositiveIntegerField(_("days with a head count"), default=0)
    kg = models.DecimalField(_("waste with a head count (kg)"), max_digits=12, decimal_places=2, default=Decimal(0))
    diners = models.PositiveIntegerField(_("diners"), default=0)
    computed_on = models.DateField(_("computed on"))
    computed_at = models.DateTimeField(auto_now=True, verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("waste baseline")
        verbose_name_plural = _("waste baselines")

    def __str__(self):
        return f"{self.mess.code} {self.start} to {self.end}"


class CookSheet(models.Model):
    """What the kitchen of a mess was told to cook for one meal, at its cut-off: the students signed
    up (at the mess that day, less those who said they would not eat), the forecast head count and
    why, and the quantity to cook (send_cook_sheet; mess/cook_sheets.py). Kept, so that the dashboard
    sets each forecast beside the head count recorded afterwards."""

    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="cook_sheets", verbose_name=_("mess"))
    date = models.DateField(_("date"))
    meal = models.CharField(max_length=16, choices=Meal.choices, verbose_name=_("meal"))
    students = models.PositiveIntegerField(help_text=_("Eating at the mess that day."), verbose_name=_("students"))
    absent = models.PositiveIntegerField(
        help_text=_("Of them, those who said by the cut-off they would not eat."), verbose_name=_("absent")
    )
    forecast = models.PositiveIntegerField(help_text=_("The head count expected."), verbose_name=_("forecast"))
    explanation = models.CharField(max_length=255, verbose_name=_("explanation"))
    to_cook = models.PositiveIntegerField(help_text=_("Portions: the forecast and the mess's margin."), verbose_name=_("to cook"))
    cook_kg = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Where cooked kilograms are recorded."),
        verbose_name=_("cook kg"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    email = models.ForeignKey(
        "OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+", verbose_name=_("email")
    )
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))

    class Meta:
        verbose_name = _("cook sheet")
        verbose_name_plural = _("cook sheets")
        ordering = ["-date", "mess__code", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["mess", "date", "meal"], name="cooksheet_one_per_meal"),
            models.CheckConstraint(condition=Q(meal__in=Meal.values), name="cooksheet_meal_valid"),
        ]

    def __str__(self):
        return f"{self.mess.code} {self.date} {self.get_meal_display()}: cook for {self.to_cook}"

    @property
    def signed_up(self) -> int:
        return self.students - self.absent
