"""ManageIt's settings with the benchmarks' own app added, for `manage.py bench_data` and the
measurements (`make bench`). Production leaves the benchmarks out of its installed apps.

    DJANGO_SETTINGS_MODULE=benchmarks.settings .venv/bin/python manage.py bench_data --scale S
"""

from manageit.settings import *  # noqa: F403
from manageit.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]
