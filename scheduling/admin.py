"""The admin's view of the jobs: schedules picked from the registry and edited without a restart,
and the run log, read-only."""

import ast
import inspect

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html_join
from django_q.models import Schedule

from scheduling.cron import cron_in_words, cron_validate
from scheduling.models import JobRun, JobSchedule
from scheduling.registry import JOBS
from scheduling.selectors import with_last_run
from scheduling.services import (
    RUNNER,
    job_enqueue,
    schedule_is_paused,
    schedule_job_key,
    schedule_kwargs,
    schedule_next_runs,
    schedule_pause,
    schedule_resume,
)


def _job_choices() -> list[tuple[str, str]]:
    # Called when a form is made: the apps register their jobs after the admin modules are imported.
    return [(key, f"{key}: {job.description}") for key, job in JOBS.items()]


class JobScheduleForm(forms.ModelForm):
    job = forms.ChoiceField(choices=_job_choices)
    arguments = forms.CharField(
        required=False,
        help_text="Keyword arguments for the job, as a Python dict, for example {'meal': 'lunch'}. Empty for none.",
    )
    cron = forms.CharField(
        help_text="Five fields in local time: minute hour day-of-month month day-of-week. '0 7 * * *' is 07:00 every day.",
    )
    paused = forms.BooleanField(required=False, help_text="A paused schedule keeps its settings but does not run.")

    class Meta:
        model = JobSchedule
        fields = ["name", "cron"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:  # only when adding: sync_schedules knows a schedule by its name
            self.fields["name"].required = True
        if self.instance.pk:
            self.initial.update(
                job=schedule_job_key(self.instance),
                arguments=repr(schedule_kwargs(self.instance)) if self.instance.kwargs else "",
                paused=schedule_is_paused(self.instance),
            )

    def clean_cron(self):
        cron = " ".join(self.cleaned_data["cron"].split())
        cron_validate(cron)
        return cron

    def clean_arguments(self):
        text = self.cleaned_data["arguments"].strip()
        if not text:
            return {}
        try:
            value = ast.literal_eval(text)
        except (SyntaxError, ValueError):
            raise forms.ValidationError("Write the arguments as a Python dict, for example {'meal': 'lunch'}.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Write the arguments as a Python dict, for example {'meal': 'lunch'}.")
        return value

    def clean(self):
        cleaned = super().clean()
        job, arguments = cleaned.get("job"), cleaned.get("arguments")
        if job and arguments is not None:
            try:
                inspect.signature(JOBS[job].func).bind(**arguments)
            except TypeError as e:
                self.add_error("arguments", f"{job} does not take these arguments: {e}")
        return cleaned

    def save(self, commit=True):
        schedule = super().save(commit=False)
        schedule.func = RUNNER
        schedule.args = repr(self.cleaned_data["job"])
        schedule.kwargs = repr(self.cleaned_data["arguments"]) if self.cleaned_data["arguments"] else None
        schedule.schedule_type = Schedule.CRON
        schedule.repeats = 0 if self.cleaned_data["paused"] else -1
        if schedule.pk is None or "cron" in self.changed_data or "paused" in self.changed_data:
            # the cluster reads next_run on its next pass: no restart needed
            schedule.next_run = schedule_next_runs(cron=schedule.cron, count=1)[0]
        if commit:
            schedule.save()
        return schedule


admin.site.unregister(Schedule)


@admin.register(JobSchedule)
class JobScheduleAdmin(admin.ModelAdmin):
    form = JobScheduleForm
    list_display = ["name", "job", "timing", "next_run_local", "is_running", "last_outcome", "last_duration"]
    list_filter = ["func"]
    search_fields = ["name"]
    readonly_fields = ["timing", "next_five_runs", "last_outcome", "last_duration"]
    fieldsets = [
        (None, {"fields": ["name", "job", "arguments", "cron", "timing", "paused"]}),
        ("Runs", {"fields": ["next_five_runs", "last_outcome", "last_duration"]}),
    ]
    actions = ["pause", "resume", "run_now"]

    def get_readonly_fields(self, request, obj=None):
        # sync_schedules knows a schedule by its name: renamed, it would be created again
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def get_queryset(self, request):
        return with_last_run(super().get_queryset(request)).order_by("name")

    @admin.display(description="job")
    def job(self, schedule):
        return schedule_job_key(schedule) or f"unknown: {schedule.func} {schedule.args or ''}"

    @admin.display(description="when")
    def timing(self, schedule):
        return cron_in_words(schedule.cron)

    @admin.display(description="next run", ordering="next_run")
    def next_run_local(self, schedule):
        if schedule_is_paused(schedule):
            return "paused"
        return timezone.localtime(schedule.next_run).strftime("%Y-%m-%d %H:%M %Z") if schedule.next_run else "-"

    @admin.display(description="active", boolean=True)
    def is_running(self, schedule):
        return not schedule_is_paused(schedule)

    @admin.display(description="next five runs")
    def next_five_runs(self, schedule):
        if not schedule.cron:
            return "-"
        runs = schedule_next_runs(cron=schedule.cron, count=5)
        return format_html_join("", "<div>{}</div>", ((r.strftime("%a %Y-%m-%d %H:%M %Z"),) for r in runs))

    @admin.display(description="last run")
    def last_outcome(self, schedule):
        if schedule.last_started_at is None:
            return "never"
        return f"{schedule.last_outcome} at {timezone.localtime(schedule.last_started_at):%Y-%m-%d %H:%M}"

    @admin.display(description="took")
    def last_duration(self, schedule):
        if schedule.last_finished_at is None:
            return "-"
        return f"{(schedule.last_finished_at - schedule.last_started_at).total_seconds():.1f} s"

    @admin.action(description="Pause selected schedules")
    def pause(self, request, queryset):
        for schedule in queryset:
            schedule_pause(schedule=schedule)
        self.message_user(request, f"Paused {len(queryset)} schedules.", messages.SUCCESS)

    @admin.action(description="Resume selected schedules")
    def resume(self, request, queryset):
        for schedule in queryset:
            schedule_resume(schedule=schedule)
        self.message_user(request, f"Resumed {len(queryset)} schedules.", messages.SUCCESS)

    @admin.action(description="Run selected jobs now")
    def run_now(self, request, queryset):
        queued = []
        for schedule in queryset:
            key = schedule_job_key(schedule)
            if key is None:
                self.message_user(request, f"{schedule.name} runs no known job; not run.", messages.ERROR)
                continue
            job_enqueue(key=key, kwargs=schedule_kwargs(schedule))
            queued.append(schedule.name)
        if queued:
            self.message_user(
                request,
                f"Handed to the cluster: {', '.join(queued)}. Each appears in the run log when a worker takes it.",
                messages.SUCCESS,
            )


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "trigger", "started_at", "took", "outcome", "summary"]
    list_filter = ["job", "outcome", "trigger"]
    search_fields = ["summary"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in JobRun._meta.fields] + ["took"]

    @admin.display(description="took")
    def took(self, run):
        return f"{run.duration.total_seconds():.1f} s" if run.duration else "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
