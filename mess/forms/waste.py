"""The web pages' forms: they parse and check what people typed; the services write it."""

import datetime
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from mess.closures import closure_problems
from mess.figures import cents
from mess.logins import login_allowed, login_failed
from mess.meals import day_check
from mess.models import MAX_COMMENT, MAX_DINERS, MAX_WASTE_KG, FeedbackCategory, Floor, Meal, MealWindow, Mess, WasteRecord
from mess.text import folded, span_in_words, typed_text
from mess.waste import FloorWaste, waste_meal_check


class DateInput(forms.DateInput):
    input_type = "date"


class TypedTextField(forms.CharField):
    """Text a person types: newlines as \n, and no other control character (mess/text.py)."""

    def to_python(self, value):
        try:
            return typed_text(super().to_python(value))
        except ValueError as error:
            raise forms.ValidationError(f"The text {error}; write it again without it.") from None


def _recorded_date(day: datetime.date, *, latest: datetime.date | None = None) -> datetime.date:
    """`day`, checked as a date of waste or feedback (mess.meals.day_check)."""
    try:
        return day_check(day, latest=latest)
    except ValueError as error:
        raise forms.ValidationError(f"{str(error)[0].upper()}{str(error)[1:]}.") from None


def waste_meal_refused(cleaned: dict) -> str | None:
    """Why the waste of the cleaned `date` and `meal` cannot be recorded (a meal that has not started
    yet: mess.waste.waste_meal_check), or None; the officials' form and the admin's say the same."""
    date, meal = cleaned.get("date"), cleaned.get("meal")
    if date and meal:
        try:
            waste_meal_check(date=date, meal=meal)
        except ValueError as error:
            return f"{error}: waste is recorded after the meal."
    return None


class WasteMealPickForm(forms.Form):
    """The meal whose waste the waste page shows and records: a date and a meal that has started."""

    date = forms.DateField(widget=DateInput)
    meal = forms.ChoiceField(choices=Meal.choices)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("The date is in the future: waste is recorded after the meal.")
        return _recorded_date(date)

    def clean(self):
        cleaned = super().clean()
        if why := waste_meal_refused(cleaned):
            self.add_error("meal", why)
        return cleaned


class WasteMealForm(WasteMealPickForm):
    """The kilograms and head count of every floor of a mess after one meal, in one form: a
    `kg_<floor id>` and a `diners_<floor id>` field per floor, prefilled with what is recorded.
    A floor left empty (or not sent) is not recorded; a recorded one cannot be emptied (it is
    deleted instead).
    `confirm` carries the official's confirmation of unusual figures (see `unusual_key`)."""

    confirm = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, floors: list[Floor], stored: dict[int, WasteRecord], **kwargs):
        super().__init__(*args, **kwargs)
        self.floors, self.stored = floors, stored
        self.unusual: dict[int, str] = {}  # floor id -> why its figure asks for confirmation (mess.waste.waste_unusual)
        self.fields["date"].widget = forms.HiddenInput()
        self.fields["meal"].widget = forms.HiddenInput()
        for floor in floors:
            record = stored.get(floor.pk)
            self.fields[f"kg_{floor.pk}"] = forms.DecimalField(
                label=f"{floor.name}: kg",
                required=False,
                min_value=0,
                max_value=MAX_WASTE_KG,
                max_digits=6,
                decimal_places=2,
                initial=record.total_kg if record else None,
                error_messages={
                    "min_value": "Waste cannot be negative.",
                    "max_value": f"More than {MAX_WASTE_KG:.0f} kg is not a plausible amount: check the figure.",
                },
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0"}),
            )
            self.fields[f"diners_{floor.pk}"] = forms.IntegerField(
                label=f"{floor.name}: diners",
                required=False,
                min_value=0,
                max_value=MAX_DINERS,
                initial=record.diners if record else None,
                error_messages={"min_value": "The head count cannot be negative."},
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
            )

    def clean(self):
        cleaned = super().clean()
        figures = []
        for floor in self.floors:
            kg_field, diners_field = f"kg_{floor.pk}", f"diners_{floor.pk}"
            if kg_field in self.errors or diners_field in self.errors or kg_field not in self.data:
                continue  # a floor the form did not send is left as it is
            kg, diners = cleaned.get(kg_field), cleaned.get(diners_field)
            if kg is None:
                if floor.pk in self.stored:
                    self.add_error(kg_field, "An empty figure does not remove a record: give the figure, or delete the record.")
                elif diners is not None:
                    self.add_error(kg_field, "Give the kilograms too, or leave the head count empty.")
                continue
            figures.append(FloorWaste(floor=floor, total_kg=kg, diners=diners))
        if not figures and not self.errors:
            raise forms.ValidationError("Give the waste of at least one floor.")
        self.figures = figures
        return cleaned

    def rows(self) -> list[dict]:
        """Each floor with its two fields, its stored record and why its figure is unusual, for the template."""
        return [
            {
                "floor": floor,
                "kg": self[f"kg_{floor.pk}"],
                "diners": self[f"diners_{floor.pk}"],
                "record": self.stored.get(floor.pk),
                "unusual": self.unusual.get(floor.pk),
            }
            for floor in self.floors
        ]

    def changed_figures(self) -> list[FloorWaste]:
        """The figures (of a valid form) that differ from what is recorded: what a save would write."""
        changed = []
        for figure in self.figures:
            record = self.stored.get(figure.floor.pk)
            if record is None or (record.total_kg, record.diners) != (figure.total_kg, figure.diners):
                changed.append(figure)
        return changed


def unusual_key(figures: list[FloorWaste]) -> str:
    """What an official confirms when they confirm unusual figures: these floors with these
    figures. Changing one of them after confirming asks again."""
    return ";".join(
        f"{f.floor.pk}:{cents(f.total_kg)}:{'' if f.diners is None else f.diners}" for f in sorted(figures, key=lambda f: f.floor.pk)
    )


class FeedbackForm(forms.Form):
    meal = forms.ChoiceField(widget=forms.HiddenInput, error_messages={"invalid_choice": "This meal cannot be rated now."})
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, widget=forms.RadioSelect, help_text="1 is very bad, 5 is very good."
    )
    category = forms.ChoiceField(choices=FeedbackCategory.choices, initial=FeedbackCategory.FOOD)
    comment = TypedTextField(
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. What was good or bad?",
    )

    def __init__(self, *args, meals: list[MealWindow], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meal"].choices = [(w.meal, w.get_meal_display()) for w in meals]


class DateRangeForm(forms.Form):
    start = forms.DateField(widget=DateInput)
    end = forms.DateField(widget=DateInput)

    def clean_start(self):
        return _recorded_date(self.cleaned_data["start"], latest=datetime.date.max)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        return cleaned


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with each wrong old password counted as a failed login (mess/logins.py): once the
    user is locked out at their address, no old password is even checked."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        username = self.user.get_username()
        if not login_allowed(self.request, username=username):
            raise forms.ValidationError("Too many wrong passwords: wait a while before trying again.")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            login_failed(self.request, username=username)
            raise


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, for every active user with the address: students imported without a
    password (an unusable one, which Django's form skips) set their first password this way. The
    page says the same whether or not the address is known."""

    def get_users(self, email):
        User = get_user_model()
        field = User.get_email_field_name()
        wanted = folded(email)
        for user in User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True}):
            if folded(getattr(user, field)) == wanted:  # as Django's own form compares them
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context["expires"] = span_in_words(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class DishVotesForm(forms.Form):
    """The dishes of the meal a student rates that they liked and disliked (from that day's menu),
    posted with the FeedbackForm of the meal."""

    liked = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    disliked = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, dishes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.dishes = dishes
        for name in ("liked", "disliked"):
            self.fields[name].choices = [(dish, dish) for dish in dishes]
            self.fields[name].error_messages["invalid_choice"] = "%(value)s is not on this meal's menu today."

    def clean(self):
        cleaned = super().clean()
        if both := set(cleaned.get("liked", ())) & set(cleaned.get("disliked", ())):
            raise forms.ValidationError(f"A dish is liked or disliked, not both: {', '.join(sorted(both))}.")
        return cleaned

    def votes(self) -> dict[str, bool]:
        """dish -> liked, of the valid form."""
        return {**{dish: True for dish in self.cleaned_data["liked"]}, **{dish: False for dish in self.cleaned_data["disliked"]}}

    def choice(self, dish: str) -> str:
        """ "liked", "disliked" or "" for `dish`, as the form shows it."""
        for name in ("liked", "disliked"):
            value = self[name].value() or []
            if dish in value:
                return name
        return ""


class ClosureForm(forms.Form):
    """Days a mess is closed; the rules are mess.closures', each message shown beside its field."""

    first_day = forms.DateField(widget=DateInput)
    last_day = forms.DateField(widget=DateInput, help_text="The same as the first day for a single day.")
    reason = TypedTextField(required=False, max_length=100, help_text="Optional: a holiday, a vacation.")

    def __init__(self, *args, mess: Mess, **kwargs):
        super().__init__(*args, **kwargs)
        self.mess = mess

    def clean(self):
        cleaned = super().clean()
        first_day, last_day = cleaned.get("first_day"), cleaned.get("last_day")
        if first_day and last_day:
            for field, message in closure_problems(mess=self.mess, first_day=first_day, last_day=last_day).items():
                self.add_error(field, message)
        return cleaned


class EmailChoicesForm(forms.Form):
    """Which e-mails a person gets (mess.email_choices.EMAIL_CHOICES), of those they can get: job problems
    are the admins' alone, missing-waste reminders the officials' alone."""

    emails_critical = forms.BooleanField(
        label="Critical feedback", required=False, help_text="When a meal ends with low ratings with comments or hygiene complaints."
    )
    emails_missing_waste = forms.BooleanField(
        label="Missing-waste reminders", required=False, help_text="An hour after each meal, the floors that recorded no waste for it."
    )
    emails_daily_report = forms.BooleanField(label="Daily reports", required=False, help_text="Each morning, the previous day in figures.")
    emails_job_problems = forms.BooleanField(
        label="Job problems", required=False, help_text="When a scheduled job starts failing, recovers, or runs late."
    )

    def __init__(self, *args, is_admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["emails_missing_waste" if is_admin else "emails_job_problems"]


class ReplyForm(forms.Form):
    """An official's reply to a student's comment, checked like the comments (mess/text.py)."""

    reply = TypedTextField(
        max_length=MAX_COMMENT,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write a reply first."},
        help_text="The student sees it under their comment.",
    )
