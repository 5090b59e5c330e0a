"""Students changing mess: the windows admins open, how many students each mess takes in during one,
and the students' requests (mess/mess_changes.py holds the rules)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Mess
from mess.text import validate_typed_text

MAX_REASON = 500  # characters of a request's reason


class MessChangeWindow(models.Model):
    """The days, both included, when students may ask to move to another mess. After its last day
    the requests are assigned (the assign_mess_changes job), and the students moved from the first
    day of the next month."""

    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name_plural = _("mess change windows")
        verbose_name = _("mess change window")
        ordering = ["-first_day"]
        constraints = [models.CheckConstraint(condition=Q(first_day__lte=F("last_day")), name="messchangewindow_days_in_order")]

    def __str__(self):
        return f"Mess changes {self.first_day}–{self.last_day}"


class MessChangeCapacity(models.Model):
    """How many students `mess` takes in from other messes through one window. A mess without one
    takes in nobody."""

    window = models.ForeignKey(MessChangeWindow, on_delete=models.CASCADE, related_name="capacities", verbose_name=_("window"))
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="+", verbose_name=_("mess"))
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(0)], help_text=_("How many students it can take in."), verbose_name=_("capacity")
    )

    class Meta:
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")
        constraints = [models.UniqueConstraint(fields=["window", "mess"], name="messchangecapacity_one_per_window_mess")]

    def __str__(self):
        return f"{self.mess.code}: {self.capacity}"


class MessChangeRequest(models.Model):
    """A student's request, in one window, to move from their mess to another. Withdrawing it deletes
    it; once decided (assigned or refused) it never changes, but for the day the move is done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ASSIGNED = "assigned", _("Assigned")
        REFUSED = "refused", _("Refused")

    window = models.ForeignKey(MessChangeWindow, on_delete=models.PROTECT, related_name="requests", verbose_name=_("window"))
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mess_change_requests", db_index=False, verbose_name=_("student")
    )
    from_mess = models.ForeignKey(Mess, on_delete=models.PROTECT, related_name="+", verbose_name=_("from mess"))
    to_mess = models.ForeignKey(Mess, on_delete=models.PROTECT, related_name="+", verbose_name=_("to mess"))
    reason = models.TextField(max_length=MAX_REASON, validators=[validate_typed_text], verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    refused_why = models.CharField(max_length=255, blank=True, verbose_name=_("refused why"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    # An assigned student eats at `to_mess` from this day; `moved_at` is when their profile was changed.
    moves_on = models.DateField(null=True, blank=True, verbose_name=_("moves on"))
    moved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("moved at"))
    # The e-mail telling the student the outcome, stored with the decision (mess/emails.py), and when
    # the mail server accepted it: a request is in one e-mail only.
    email = models.ForeignKey(
        "OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+", verbose_name=_("email")
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("notified at"))

    class Meta:
        verbose_name_plural = _("mess change requests")
        verbose_name = _("mess change request")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "window"], name="messchangerequest_one_per_student_window"),
            models.CheckConstraint(condition=~Q(from_mess=F("to_mess")), name="messchangerequest_another_mess"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("reason"), MAX_REASON), name="messchangerequest_reason_max_length"),
            models.CheckConstraint(condition=Q(status__in=["pending", "assigned", "refused"]), name="messchangerequest_status_valid"),
        ]
        # the job: WHERE window = .. AND status = .. ORDER BY created_at
        indexes = [models.Index(fields=["window", "status", "created_at"], name="messchange_window_status")]

    def __str__(self):
        return f"{self.student} {self.from_mess.code} → {self.to_mess.code} ({self.get_status_display().lower()})"
