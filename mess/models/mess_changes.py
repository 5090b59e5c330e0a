"""Students changing mess: the windows admins open, how many students each mess takes in during one,
and the students' requests (mess/mess_changes.py holds the rules)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from mess.models.messes import Mess
from mess.text import validate_typed_text

MAX_REASON = 500  # characters of a request's reason


class MessChangeWindow(models.Model):
    """The days, both included, when students may ask to move to another mess. After its last day
    the requests are assigned (the assign_mess_changes job), and the students moved from the first
    day of the next month."""

    first_day = models.DateField()
    last_day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mess change window"
        ordering = ["-first_day"]
        constraints = [models.CheckConstraint(condition=Q(first_day__lte=F("last_day")), name="messchangewindow_days_in_order")]

    def __str__(self):
        return f"Mess changes {self.first_day:%d %b %Y}–{self.last_day:%d %b %Y}"


class MessChangeCapacity(models.Model):
    """How many students `mess` takes in from other messes through one window. A mess without one
    takes in nobody."""

    window = models.ForeignKey(MessChangeWindow, on_delete=models.CASCADE, related_name="capacities")
    mess = models.ForeignKey(Mess, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(0)], help_text="How many students it can take in.")

    class Meta:
        verbose_name = "capacity"
        verbose_name_plural = "capacities"
        constraints = [models.UniqueConstraint(fields=["window", "mess"], name="messchangecapacity_one_per_window_mess")]

    def __str__(self):
        return f"{self.mess.code}: {self.capacity}"


class MessChangeRequest(models.Model):
    """A student's request, in one window, to move from their mess to another. Withdrawing it deletes
    it; once decided (assigned or refused) it never changes, but for the day the move is done."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ASSIGNED = "assigned", "Assigned"
        REFUSED = "refused", "Refused"

    window = models.ForeignKey(MessChangeWindow, on_delete=models.PROTECT, related_name="requests")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mess_change_requests", db_index=False)
    from_mess = models.ForeignKey(Mess, on_delete=models.PROTECT, related_name="+")
    to_mess = models.ForeignKey(Mess, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=MAX_REASON, validators=[validate_typed_text])
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    refused_why = models.CharField(max_length=255, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # An assigned student eats at `to_mess` from this day; `moved_at` is when their profile was changed.
    moves_on = models.DateField(null=True, blank=True)
    moved_at = models.DateTimeField(null=True, blank=True)
    # The e-mail telling the student the outcome, stored with the decision (mess/emails.py), and when
    # the mail server accepted it: a request is in one e-mail only.
    email = models.ForeignKey("OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+")
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "mess change request"
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
