"""The run log of the jobs, and the leases that keep a job from running twice at once."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_q.models import Schedule


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    COMMAND = "command", _("Command")
    ADMIN = "admin", _("Admin (run now)")


class Outcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class JobRun(models.Model):
    """One run of a job, however it was started. A run that never finished (its worker was
    killed) stays `running`; its lease expires and the next run goes ahead."""

    job = models.CharField(max_length=64, verbose_name=_("job"))
    trigger = models.CharField(max_length=16, choices=Trigger.choices, verbose_name=_("trigger"))
    arguments = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, verbose_name=_("arguments"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING, verbose_name=_("outcome"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    traceback = models.TextField(blank=True, verbose_name=_("traceback"))
    host = models.CharField(max_length=255, blank=True, help_text=_("Machine and process that ran it."), verbose_name=_("host"))
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # jobrun_schedule_started serves it
        help_text=_("The schedule that started it, if one did."),
        verbose_name=_("schedule"),
    )

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [models.CheckConstraint(condition=models.Q(outcome__in=Outcome.values), name="jobrun_outcome_valid")]
        indexes = [
            # last run of each job (admin list, `jobs`, the dashboard's jobs panel)
            models.Index(fields=["job", "-started_at"], name="jobrun_job_started"),
            # pruning: WHERE started_at < ..
            models.Index(fields=["started_at"], name="jobrun_started"),
            # last run of each schedule
            models.Index(fields=["schedule", "-started_at"], name="jobrun_schedule_started"),
        ]

    def __str__(self):
        # in the site's time zone, as the page's own dates are, and saying which
        return f"{self.job} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M %Z} {self.outcome}"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class JobRunPart(models.Model):
    """One part of a run whose job falls into parts (Job.parts), run as a task of its own: its
    outcome, summary and traceback. The run is finished when its last part is."""

    run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="parts")
    key = models.CharField(max_length=64)
    label = models.CharField(max_length=255)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    summary = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True, help_text="Machine and process that ran it.")

    class Meta:
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="jobrunpart_run_key"),
            models.CheckConstraint(condition=models.Q(outcome__in=Outcome.values), name="jobrunpart_outcome_valid"),
        ]

    def __str__(self):
        return f"{self.label} {self.outcome}"


class JobLease(models.Model):
    """Who may run a job right now. A run takes the lease with a conditional UPDATE that only
    succeeds when the lease is free or expired, so two processes, on one machine or several,
    never both get it; a run that crashed stops blocking the job once its lease expires."""

    job = models.CharField(max_length=64, primary_key=True, verbose_name=_("job"))
    run = models.ForeignKey(JobRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("run"))
    expires_at = models.DateTimeField(_("expires at"))

    def __str__(self):
        return f"{self.job} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class JobSchedule(Schedule):
    """django-q2's schedules, as the admin shows them: each runs one job of the registry."""

    class Meta:
        proxy = True
        verbose_name = _("job schedule")

    def __str__(self):
        return self.name or f"schedule {self.pk}"


class BrokenSchedule(models.Model):
    """A schedule the scheduler could not run: its cron never fires, its job is unknown or its
    arguments are refused. The scheduler passes over it, and every other schedule runs; saving the
    schedule again (in the admin) clears the mark, and the scheduler tries it once more."""

    schedule = models.OneToOneField(Schedule, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("schedule"))
    reason = models.TextField(_("reason"))
    since = models.DateTimeField(_("since"))

    def __str__(self):
        return f"schedule {self.schedule_id}: {self.reason}"


class ClusterHeartbeat(models.Model):
    """A cluster's scheduler says it is alive: `seen_at` is renewed every few seconds while it runs.
    A cluster stopped on purpose says so (`stopped_at`): it is not waited for, and it is still known
    when it was last seen."""

    cluster = models.CharField(max_length=255, primary_key=True, help_text=_("Machine and process."), verbose_name=_("cluster"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(db_index=True, verbose_name=_("seen at"))
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped at"))

    def __str__(self):
        return f"{self.cluster} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
