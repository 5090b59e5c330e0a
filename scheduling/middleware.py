"""The health probes answer whatever Host a probe sends: a monitor on the machine asks
http://127.0.0.1:8001/health/, which ALLOWED_HOSTS (the site's own name) would refuse with a 400
before any view runs. First in MIDDLEWARE, this serves the two probes before the host is checked;
they show nothing that depends on it."""

from django.urls import reverse

from scheduling import views


class HealthProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.probes = None

    def __call__(self, request):
        if self.probes is None:  # the URLconf is loaded by the first request, not at start-up
            self.probes = {reverse("health"): views.health, reverse("health_jobs"): views.health_jobs}
        probe = self.probes.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
