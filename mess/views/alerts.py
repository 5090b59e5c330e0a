"""A mess's alerts, for its officials and the admins: acknowledging an open alert with a note, and
the alert history of the last 90 days."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from mess.alerts import HISTORY_DAYS, alert_acknowledge, alerts_history
from mess.forms.alerts import AcknowledgeForm
from mess.models import Alert, Mess
from mess.views.access import mess_page


@mess_page
def alert_acknowledge_page(request, code, pk):
    """GET shows the alert and the note's form; POST acknowledges it and returns to the dashboard,
    or shows the form again with what is wrong beside the note."""
    mess = get_object_or_404(Mess, code=code)
    alert = get_object_or_404(Alert.objects.select_related("acknowledged_by"), pk=pk, mess=mess)
    if request.method == "POST":
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                alert_acknowledge(mess=mess, alert_id=alert.pk, note=form.cleaned_data["note"], by=request.user)
            except Alert.DoesNotExist:
                raise Http404("No such alert.") from None
            except ValueError as error:
                form.add_error("note", str(error))
            else:
                messages.success(request, gettext("Alert acknowledged: it stays open until its condition clears."))
                return redirect(reverse("mess:dashboard", kwargs={"code": code}) + "#alerts")
    else:
        form = AcknowledgeForm(initial={"note": alert.acknowledgement})
    return render(request, "mess/alerts/acknowledge.html", {"mess": mess, "alert": alert, "form": form})


@mess_page
def alert_history(request, code):
    mess = get_object_or_404(Mess, code=code)
    context = {"mess": mess, "alerts": alerts_history(mess=mess), "days": HISTORY_DAYS}
    return render(request, "mess/alerts/history.html", context)
