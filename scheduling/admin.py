"""The admin's view of the jobs: schedules picked from the registry and edited without a restart,
and the run log, read-only."""

import django_q.admin  # noqa: F401  (registers Schedule, which this module replaces; scheduling is listed first)
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_q.models import Schedule

from scheduling.cron import cron_in_words, cron_validate
from scheduling.models import JobRun, JobRunPart, JobSchedule, Outcome
from scheduling.registry import JOBS, JobRefused
from scheduling.schedules import (
    RUNNER,
    arguments_parse,
    arguments_text,
    schedule_is_paused,
    schedule_job_key,
    schedule_kwargs,
    schedule_next_runs,
    schedule_pause,
    schedule_resume,
    schedule_save,
    schedules_delete,
)
from scheduling.selectors import ScheduleState, cluster_alive, jobs_health, moment, with_last_run
from scheduling.soon import job_enqueue, schedules_lasting


def _job_choices() -> list[tuple[str, str]]:
    # Called when a form is made: the apps register their jobs after the admin modules are imported.
    return [(key, f"{key}: {job.description}") for key, job in JOBS.items()]


class JobScheduleForm(forms.ModelForm):
    job = forms.ChoiceField(choices=_job_choices)
    arguments = forms.CharField(
        required=False,
        help_text=_("Keyword arguments for the job, as a Python dict, for example {'days': 30}. Empty for none."),
    )
    cron = forms.CharField(
        help_text=_("Five fields in local time: minute hour day-of-month month day-of-week. '0 7 * * *' is 07:00 every day."),
    )
    paused = forms.BooleanField(required=False, help_text=_("A paused schedule keeps its settings but does not run."))

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
                arguments=arguments_text(schedule_kwargs(self.instance)) or "",
                paused=schedule_is_paused(self.instance),
            )

    def clean_cron(self):
        cron = " ".join(self.cleaned_data["cron"].split())
        cron_validate(cron)
        return cron

    def clean_arguments(self):
        try:
            return arguments_parse(self.cleaned_data["arguments"])
        except ValueError:
            raise forms.ValidationError("Write the arguments as a Python dict, for example {'days': 30}.") from None

    def clean(self):
        cleaned = super().clean()
        job, arguments = cleaned.get("job"), cleaned.get("arguments")
        if job and arguments is not None:
            try:
                JOBS[job].arguments(arguments)
            except JobRefused as e:
                self.add_error("arguments", str(e))
        return cleaned


class JobFilter(admin.SimpleListFilter):
    """By the job a schedule runs (every schedule runs the same django-q2 function, so its filter told nothing)."""

    title = "job"
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return [(key, key) for key in JOBS]

    def queryset(self, request, queryset):
        key = self.value()
        if key is None:
            return queryset
        # the job's key is the first of the schedule's arguments: 'key' alone, or ('key', ...)
        return queryset.filter(func=RUNNER).filter(Q(args=repr(key)) | Q(args__startswith=f"({key!r},"))


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "active"), ("paused", "paused")]

    def queryset(self, request, queryset):
        if self.value() == "paused":
            return queryset.filter(repeats=0)
        if self.value() == "active":
            return queryset.exclude(repeats=0)
        return queryset


admin.site.unregister(Schedule)


@admin.register(JobSchedule)
class JobScheduleAdmin(admin.ModelAdmin):
    form = JobScheduleForm
    change_form_template = "admin/scheduling/jobschedule/change_form.html"
    list_display = ["name", "job", "timing", "next_run_local", "active", "last_outcome"]
    list_filter = [StateFilter, JobFilter]
    search_fields = ["name"]
    readonly_fields = ["timing", "next_five_runs", "problem", "last_outcome", "last_duration"]
    fieldsets = [
        (None, {"fields": ["name", "job", "arguments", "cron", "timing", "next_five_runs", "paused"]}),
        ("Runs", {"fields": ["problem", "last_outcome", "last_duration"]}),
    ]
    actions = ["pause", "resume", "run_now"]

    class Media:
        js = ["scheduling/next_runs.js"]
        css = {"all": ["scheduling/admin.css"]}

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        retimed = bool({"cron", "paused"} & set(form.changed_data))
        schedule_save(schedule=obj, key=data["job"], kwargs=data["arguments"], paused=data["paused"], retimed=retimed)

    def delete_model(self, request, obj):
        schedules_delete(schedules=[obj])

    def delete_queryset(self, request, queryset):
        schedules_delete(schedules=list(queryset))

    def get_readonly_fields(self, request, obj=None):
        # sync_schedules knows a schedule by its name: renamed, it would be created again
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def get_queryset(self, request):
        # job_soon's one-off schedules live for seconds: they would only clutter the list
        return with_last_run(schedules_lasting(super().get_queryset(request))).order_by("name")

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for line in jobs_health().problem_details:  # the same lines as `jobs --check`
                messages.warning(request, line)
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        own = [
            path("next-runs/", self.admin_site.admin_view(self.next_runs_view), name="scheduling_jobschedule_next_runs"),
            path("<int:object_id>/run-now/", self.admin_site.admin_view(self.run_now_view), name="scheduling_jobschedule_run_now"),
        ]
        return own + super().get_urls()

    @admin.display(description=_("job"))
    def job(self, schedule):
        return schedule_job_key(schedule) or f"unknown: {schedule.func} {schedule.args or ''}"

    @admin.display(description=_("when"))
    def timing(self, schedule):
        return cron_in_words(schedule.cron)

    @admin.display(description=_("next run"), ordering="next_run")
    def next_run_local(self, schedule):
        state = ScheduleState(schedule=schedule, now=timezone.now())
        if state.broken:
            return gettext("broken")
        if state.paused:
            return gettext("paused")
        if not state.next_run:
            return "-"
        return gettext("%(when)s (late)") % {"when": moment(state.next_run)} if state.late else moment(state.next_run)

    @admin.display(description=_("active"), boolean=True)
    def active(self, schedule):
        """Not paused: it runs when its time comes (whether a run is going on now is the run log's to say)."""
        return not schedule_is_paused(schedule)

    @admin.display(description=_("next five runs"))
    def next_five_runs(self, schedule):
        """Filled in as the cron is typed (scheduling/next_runs.js asks next-runs/)."""
        text = _next_runs_text(schedule.cron, paused=schedule_is_paused(schedule)) if schedule.pk else ""
        return format_html('<div id="next-runs" data-url="{}">{}</div>', reverse("admin:scheduling_jobschedule_next_runs"), text)

    @admin.display(description=_("problem"))
    def problem(self, schedule):
        return getattr(schedule, "broken_reason", None) or "-"

    @admin.display(description=_("last run"))
    def last_outcome(self, schedule):
        if schedule.last_started_at is None:
            return gettext("never")
        outcome = str(Outcome(schedule.last_outcome).label).lower() if schedule.last_outcome in Outcome.values else schedule.last_outcome
        return gettext("%(outcome)s at %(when)s") % {"outcome": outcome, "when": moment(schedule.last_started_at)}

    @admin.display(description=_("took"))
    def last_duration(self, schedule):
        took = ScheduleState(schedule=schedule, now=timezone.now()).last_duration
        return f"{took.total_seconds():.1f} s" if took is not None else "-"

    def next_runs_view(self, request):
        """The next five runs of the cron being typed, before it is saved."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return JsonResponse({"text": _next_runs_text(request.GET.get("cron", ""), paused=request.GET.get("paused") == "true")})

    def run_now_view(self, request, object_id):
        schedule = self.get_object(request, str(object_id))
        if schedule is None:
            raise Http404
        if request.method != "POST" or not self.has_change_permission(request, schedule):
            raise PermissionDenied
        self._run_now(request, [schedule])
        return redirect("admin:scheduling_jobschedule_change", object_id)

    @admin.action(description=_("Pause selected schedules"))
    def pause(self, request, queryset):
        for schedule in queryset:
            schedule_pause(schedule=schedule)
        count = len(queryset)
        self.message_user(
            request, ngettext("Paused %(count)d schedule.", "Paused %(count)d schedules.", count) % {"count": count}, messages.SUCCESS
        )

    @admin.action(description=_("Resume selected schedules"))
    def resume(self, request, queryset):
        resumed = 0
        for schedule in queryset:
            try:
                schedule_resume(schedule=schedule)
            except ValueError as e:
                self.message_user(
                    request, gettext("%(schedule)s was not resumed: %(why)s.") % {"schedule": schedule.name, "why": e}, messages.ERROR
                )
                continue
            resumed += 1
        if resumed:
            self.message_user(
                request,
                ngettext("Resumed %(count)d schedule.", "Resumed %(count)d schedules.", resumed) % {"count": resumed},
                messages.SUCCESS,
            )

    @admin.action(description=_("Run selected jobs now"))
    def run_now(self, request, queryset):
        self._run_now(request, list(queryset))

    def _run_now(self, request, schedules):
        queued = []
        for schedule in schedules:
            key = schedule_job_key(schedule)
            if key is None:
                self.message_user(
                    request, gettext("%(schedule)s runs no known job; not run.") % {"schedule": schedule.name}, messages.ERROR
                )
                continue
            try:
                job_enqueue(key=key, kwargs=schedule_kwargs(schedule), schedule_id=schedule.pk)
            except JobRefused as e:
                self.message_user(
                    request, gettext("%(schedule)s was not run: %(why)s") % {"schedule": schedule.name, "why": e}, messages.ERROR
                )
                continue
            queued.append(schedule.name)
        if not queued:
            return
        if cluster_alive():
            self.message_user(
                request,
                gettext("Handed to the cluster: %(names)s. Each appears in the run log when a worker takes it.")
                % {"names": ", ".join(queued)},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                gettext("Queued %(names)s, but no cluster is running: nothing runs until one starts (manage.py qcluster).")
                % {"names": ", ".join(queued)},
                messages.WARNING,
            )


def _next_runs_text(cron: str, *, paused: bool = False) -> str:
    if paused:
        return gettext("paused: no runs until it is resumed")
    try:
        cron_validate(" ".join((cron or "").split()))
    except ValidationError as e:
        return " ".join(e.messages)
    return "; ".join(moment(r) for r in schedule_next_runs(cron=" ".join(cron.split()), count=5))


class JobRunPartInline(admin.TabularInline):
    """Each part of a run whose job falls into parts, with its own outcome and error."""

    model = JobRunPart
    fields = ["label", "key", "outcome", "summary", "started_at", "finished_at", "host", "traceback"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    inlines = [JobRunPartInline]
    list_display = ["job", "trigger", "started_at", "took", "outcome", "summary"]
    list_filter = ["job", "outcome", "trigger"]
    search_fields = ["summary"]
    date_hierarchy = "started_at"
    # the schedule by its name, linked: its own __str__ would be django-q2's function, the same for every run
    fields = ["job", "trigger", "arguments", "schedule_name", "started_at", "finished_at", "took", "outcome"]
    fields += ["summary", "traceback", "host"]
    readonly_fields = fields

    class Media:
        css = {"all": ["scheduling/admin.css"]}

    @admin.display(description=_("schedule"))
    def schedule_name(self, run):
        if run.schedule_id is None:
            return "-"
        name = JobSchedule.objects.filter(pk=run.schedule_id).values_list("name", flat=True).first()
        url = reverse("admin:scheduling_jobschedule_change", args=[run.schedule_id])
        return format_html('<a href="{}">{}</a>', url, name or f"schedule {run.schedule_id}")

    @admin.display(description=_("took"))
    def took(self, run):
        return f"{run.duration.total_seconds():.1f} s" if run.duration else "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
