"""Who may see which page: a mess's pages for its officials and the admins, the overview for admins,
the feedback page for students, the e-mail settings for officials and admins, the settings page
for all three."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from mess.context_processors import request_access


def mess_page(view):
    """For the officials of the mess the URL names, and for admins. Another mess's official gets
    404, as if the mess did not exist; students and users without a role get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        access = request_access(request)
        if access.is_official:
            if access.mess_code != code:
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


def student_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request_access(request).is_student:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_page(view):
    """For officials (of any mess) and admins: the people ManageIt e-mails. Others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access = request_access(request)
        if not (access.is_admin or access.is_official):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def person_page(view):
    """For students, officials and admins: everyone ManageIt tells something. Others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access = request_access(request)
        if not (access.is_admin or access.is_official or access.is_student):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
