"""Groups of messes (a campus, a hostel block, a district) and the people who run a group: the scopes
beyond one mess. A group may hold groups, at most MAX_GROUP_LEVELS deep (mess/scopes.py keeps that
and refuses cycles); a mess belongs to at most one group (Mess.group), and so to its ancestors too."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mess.text import validate_typed_text

MAX_GROUP_LEVELS = 3  # a campus, its blocks, a block's wings: a fourth level is refused


class MessGroup(models.Model):
    name = models.CharField(_("name"), max_length=100, validators=[validate_typed_text])
    code = models.SlugField(_("code"), max_length=32, unique=True, help_text=_("Short name, e.g. north-campus."))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("within group"),
        help_text=_("The group that holds this one, if any (at most three levels)."),
    )

    class Meta:
        verbose_name = _("group of messes")
        verbose_name_plural = _("groups of messes")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class GroupAdmin(models.Model):
    """A person who does what admins do, but only for the messes of `group` and of its sub-groups."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="groups_run", verbose_name=_("user"))
    group = models.ForeignKey(MessGroup, on_delete=models.CASCADE, related_name="admins", verbose_name=_("group of messes"))

    class Meta:
        verbose_name = _("group admin")
        verbose_name_plural = _("group admins")
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="group_admin_once")]

    def __str__(self):
        return f"{self.user.get_username()} @ {self.group.code}"
