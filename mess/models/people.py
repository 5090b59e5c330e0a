"""Who eats at or runs which mess: a user's profile, and the roles that groups give."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mess.models.messes import Mess


class Profile(models.Model):
    """Ties a user to the mess they eat at (students) or the messes they run (officials:
    `messes_served`). Whether they are a student or an official is their group; admins have a
    permission instead and need no mess, group admins a GroupAdmin row (mess/models/scopes.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user"))
    mess = models.ForeignKey(Mess, on_delete=models.PROTECT, null=True, blank=True, related_name="profiles", verbose_name=_("mess"))
    # The messes an official runs (one or several); a student's mess is `mess` alone.
    messes_served = models.ManyToManyField(Mess, blank=True, related_name="officials", verbose_name=_("messes served"))
    # When ManageIt last e-mailed them a link to set their password (an invitation).
    invited_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("invited at"))
    # The e-mails they choose to get (mess/people.py reads them; all by default).
    emails_critical = models.BooleanField(_("critical feedback e-mails"), default=True, db_default=True)
    emails_missing_waste = models.BooleanField(_("missing-waste reminders"), default=True, db_default=True)
    emails_daily_report = models.BooleanField(_("daily reports"), default=True, db_default=True)
    emails_job_problems = models.BooleanField(_("job problems (admins)"), default=True, db_default=True)
    emails_cook_sheet = models.BooleanField(_("cook sheets"), default=True, db_default=True)
    # A student counts at their mess from this day on (the head-count forecast reads it); empty: always.
    since = models.DateField(_("eats at the mess since"), null=True, blank=True)
    # The language they picked (the switch in the header); blank until they pick one, and then the
    # browser's Accept-Language chooses (LocaleMiddleware). Signing in never sets it.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="", db_default="")

    def __str__(self):
        return f"{self.user.get_username()} @ {self.mess.code if self.mess else '-'}"


class Role(models.TextChoices):
    """The groups that give a user their role in one mess; admins have a permission instead (mess/people.py)."""

    STUDENT = "Students"
    OFFICIAL = "Mess officials"
