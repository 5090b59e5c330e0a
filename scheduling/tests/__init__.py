"""scheduling's own tests, as django-q2 has its own: with their own settings and jobs, nothing of the
project around it. Run them with `DJANGO_SETTINGS_MODULE=scheduling.tests.settings pytest scheduling/tests`
(`make test` does, after the project's own tests)."""
