"""The Telegram page: anyone signed in links their Telegram chat to the mess's bot with a one-time
code, or unlinks it (mess/telegram.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from mess.telegram import CODE_MINUTES, telegram_code_new, telegram_enabled, telegram_link_of, telegram_start_url, telegram_unlink


@login_required
def telegram(request):
    """Shows whether the person's chat is linked and their code while it is valid; a post gives a
    new code (replacing the old)."""
    if request.method == "POST":
        try:
            telegram_code_new(user=request.user)
        except ValueError as e:
            messages.error(request, str(e))
        return redirect("mess:telegram")
    link = telegram_link_of(user=request.user)
    code = link.code if link and link.code and link.code_expires > timezone.now() else ""
    context = {
        "enabled": telegram_enabled(),
        "linked": bool(link and link.chat_id),
        "linked_at": link.linked_at if link else None,
        "code": code,
        "code_expires": link.code_expires if code else None,
        "start_url": telegram_start_url(code=code) if code else "",
        "code_minutes": CODE_MINUTES,
    }
    return render(request, "mess/telegram/telegram.html", context)


@login_required
@require_POST
def unlink(request):
    if telegram_unlink(user=request.user):
        messages.success(request, gettext("Your Telegram chat is unlinked: ManageIt sends nothing more there."))
    return redirect("mess:telegram")
