"""A mess's closed days, for its officials and the admins: marking days closed, and removing a
closure that has not begun (the rules are in mess/closures.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from mess.closures import ClosureRefused, closure_changes_of, closure_remove, closure_save, closures_of_mess
from mess.context_processors import request_access
from mess.forms.closures import ClosureForm
from mess.models import Closure, Mess
from mess.views.access import mess_page

HISTORY_SHOWN = 20  # changes of the closures the page lists, newest first


def _days(closure: Closure) -> str:
    if closure.first_day == closure.last_day:
        return date_format(closure.first_day, "DATE_FORMAT")
    return gettext("%(first)s to %(last)s") % {
        "first": date_format(closure.first_day, "DATE_FORMAT"),
        "last": date_format(closure.last_day, "DATE_FORMAT"),
    }


@mess_page
def closures(request, code):
    mess = get_object_or_404(Mess, code=code)
    by_admin = request_access(request).sees_overview  # a group admin, for their groups' messes, as an admin
    if request.method == "POST":
        form = ClosureForm(request.POST, mess=mess, by_admin=by_admin)
        if form.is_valid():
            data = form.cleaned_data
            try:
                closure = closure_save(
                    mess=mess,
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                    reason=data["reason"],
                    changed_by=request.user,
                    by_admin=by_admin,
                )
            except ClosureRefused as refused:  # another official's closure came in meanwhile
                for field, message in refused.errors.items():
                    form.add_error(field, message)
            else:
                messages.success(request, gettext("%(mess)s is closed %(days)s.") % {"mess": mess.name, "days": _days(closure)})
                return redirect("mess:closures", code=mess.code)
    else:
        form = ClosureForm(mess=mess, by_admin=by_admin)
    context = {
        "mess": mess,
        "form": form,
        "closures": closures_of_mess(mess=mess),
        "history": closure_changes_of(mess=mess)[:HISTORY_SHOWN],
        "by_admin": by_admin,
        "today": timezone.localdate(),
    }
    return render(request, "mess/closures/closures.html", context)


@mess_page
@require_POST
def closure_delete(request, code, pk):
    mess = get_object_or_404(Mess, code=code)
    try:
        closure = closure_remove(mess=mess, closure_id=pk, removed_by=request.user)
    except Closure.DoesNotExist:
        raise Http404("No such closure.") from None
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, gettext("Removed the closure of %(days)s: %(mess)s is open those days.") % {"days": _days(closure), "mess": mess.name}
        )
    return redirect("mess:closures", code=mess.code)
