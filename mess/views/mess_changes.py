"""A student's mess change (mess/mess_changes.py): asking to move during an open window, withdrawing
the request while it is open, and where their requests stand."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mess.context_processors import request_access
from mess.forms.mess_changes import MessChangeForm
from mess.mess_changes import mess_change_ask, mess_change_requests_of, mess_change_withdraw, messes_with_room, window_open
from mess.refusals import Refused
from mess.views.access import student_page


@student_page
def mess_change(request):
    today = timezone.localdate()
    window = window_open(today=today)
    requests = mess_change_requests_of(student=request.user)
    asked = window is not None and any(r.window_id == window.pk for r in requests)
    mess_id = request_access(request).mess_id
    form = None
    if window is not None and not asked and mess_id is not None:
        form = MessChangeForm(request.POST or None, messes=messes_with_room(window=window, but=mess_id))
        if request.method == "POST" and form.is_valid():
            try:
                mess_change_ask(
                    student=request.user, to_mess_id=form.cleaned_data["to_mess"], reason=form.cleaned_data["reason"], today=today
                )
            except Refused as refused:
                for field, message in refused.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Your request is sent. You will hear by e-mail after the window closes."))
                return redirect("mess:mess_change")
    context = {"window": window, "requests": requests, "form": form, "today": today, "no_mess": mess_id is None}
    return render(request, "mess/mess_changes/mess_change.html", context)


@require_POST
@student_page
def withdraw(request, pk):
    try:
        mess_change_withdraw(student=request.user, request_id=pk)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("mess:mess_change")
