"""Web Push's pages (mess/push.py): the service worker at /sw.js, which shows ManageIt's
notifications, and what static/js/push.js posts from /settings/ when a person turns notifications
on or off in a browser. Answers in JSON, for the script."""

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from mess.forms.messages import PushSubscriptionForm
from mess.push import push_offered, push_subscription_remove, push_subscription_save
from mess.views.access import person_page


@require_GET
@cache_control(no_cache=True, max_age=0)  # a new version of the worker reaches browsers at once
def service_worker(request):
    """The service worker, at the site's root so that its scope is the whole site."""
    response = HttpResponse(render_to_string("mess/push/sw.js"), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_POST
@person_page
def push_subscribe(request):
    if not push_offered():
        return JsonResponse({"error": gettext("This ManageIt does not send notifications.")}, status=404)
    form = PushSubscriptionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": gettext("This browser's push subscription is not complete.")}, status=400)
    try:
        push_subscription_save(user=request.user, **form.cleaned_data)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"ok": True})


@require_POST
@person_page
def push_unsubscribe(request):
    form = PushSubscriptionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": gettext("This browser's push subscription is not complete.")}, status=400)
    push_subscription_remove(user=request.user, endpoint=form.cleaned_data["endpoint"])
    return JsonResponse({"ok": True})
