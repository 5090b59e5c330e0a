"""The settings page: what ManageIt tells each person, and how. Officials and admins choose which of
its e-mails they get (mess/email_choices.py); students, officials and admins choose which messages
reach their phone on which channel (mess/messages.py), and turn Web Push on in a browser
(mess/views/push.py)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from mess.context_processors import request_access
from mess.email_choices import email_choices, email_choices_save
from mess.forms.email_choices import EmailChoicesForm
from mess.forms.messages import ChannelChoicesForm, channel_initial
from mess.messages import KIND_OF_EMAIL, STUDENT_KINDS, channel_choices, channel_choices_save, channels_offered
from mess.models import Channel, PushSubscription
from mess.push import push_offered
from mess.views.access import person_page


@person_page
def email_settings(request):
    access = request_access(request)
    gets_emails = access.is_admin or access.is_official or access.is_group_admin
    # A group admin hears what admins hear, of their groups' messes; as an official too, what officials hear.
    email_kinds = {"is_admin": access.is_admin, "group_admin": access.is_group_admin and not access.is_official}
    posted = request.POST if request.method == "POST" else None  # an empty post (every box off) is still a post
    email_form = EmailChoicesForm(posted, initial=email_choices(user=request.user), **email_kinds) if gets_emails else None
    # students choose what is about their meals; the others, to have the e-mails they may get on their phones too
    kinds = STUDENT_KINDS if access.is_student else [KIND_OF_EMAIL[name] for name in email_form.fields if name in KIND_OF_EMAIL]
    # the channels set up here; Telegram's column shows once its bot's token is set
    offered = channels_offered()
    channels = [c for c in Channel.values if c in offered or (c == Channel.TELEGRAM and settings.TELEGRAM_BOT_TOKEN)]
    if request.method == "POST":
        channel_form = ChannelChoicesForm(request.POST, kinds=kinds, channels=channels)
        if (email_form is None or email_form.is_valid()) and channel_form.is_valid():
            if email_form is not None:
                email_choices_save(user=request.user, choices=email_form.cleaned_data)
            channel_choices_save(user=request.user, choices=channel_form.choices())
            messages.success(request, gettext("Your choices are saved."))
            return redirect("mess:settings")
    else:
        channel_form = ChannelChoicesForm(initial=channel_initial(channel_choices(user=request.user)), kinds=kinds, channels=channels)
    context = {
        "form": email_form,
        "channel_form": channel_form,
        "is_admin": access.is_admin,
        "push_offered": push_offered(),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
        "browsers": PushSubscription.objects.filter(user=request.user).count(),
        "telegram": bool(settings.TELEGRAM_BOT_TOKEN),
    }
    return render(request, "mess/email_choices/email_choices.html", context)
