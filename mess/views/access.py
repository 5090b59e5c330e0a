"""Who may see which page: a mess's pages for its officials, the group admins whose group holds it and
the admins; the overview for admins (every mess) and group admins (their groups'); the feedback page
for students; the settings page for everyone signed in: their e-mails for officials, group admins
and admins, their messages to phones for all."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from mess.context_processors import request_access


def mess_page(view):
    """For the officials who serve the mess the URL names, the group admins whose group holds it,
    and admins. Another mess's official or group admin gets 404, as if the mess did not exist;
    students and users without a role get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        access = request_access(request)
        if access.is_official or access.is_group_admin:
            if not access.may_act_on(code):
                raise Http404("No such mess.")
        elif not access.is_admin:
            raise PermissionDenied
        return view(request, code, *args, **kwargs)

    return wrapper


def admin_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request_access(request).is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def overview_page(view):
    """For admins, and for group admins, whose pages show their groups' messes only (the view
    reads `request_access(request).mess_ids`). Others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request_access(request).sees_overview:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def student_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request_access(request).is_student:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def person_page(view):
    """For students, officials, group admins and admins: everyone ManageIt tells something. Others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access = request_access(request)
        if not (access.is_admin or access.is_official or access.is_group_admin or access.is_student):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
