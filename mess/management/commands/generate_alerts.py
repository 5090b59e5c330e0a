"""Raises and resolves high-waste (per day and per diner) and low-rating alerts (scheduled every hour).

With --as-of it only evaluates the window ending on that date and prints what it finds, storing
nothing, so past weeks can be examined.
"""

import json

from django.core.management.base import CommandError

from mess.alerts import alert_wording, alerts_evaluate, alerts_open
from scheduling.commands import JobCommand, argument_type
from scheduling.registry import date_value


class Command(JobCommand):
    job_key = "generate_alerts"

    def add_arguments(self, parser):
        super().add_arguments(parser)  # --mess
        parser.add_argument("--json", action="store_true", help="Print the active alerts as JSON.")
        parser.add_argument(
            "--as-of", type=argument_type(date_value), metavar="YYYY-MM-DD", help="Evaluate the window ending that day; store nothing."
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        mess_code = options["mess"]
        if options["as_of"]:
            try:
                alerts = alerts_evaluate(as_of=options["as_of"], mess_code=mess_code)
            except ValueError as e:
                raise CommandError(str(e)) from None
        else:
            summary = self.run_job(self.job_kwargs(options))
            if not options["json"]:
                return summary
            self.stderr.write(summary)
            alerts = alerts_open(mess_code=mess_code)
        if options["json"]:
            return json.dumps(alerts, indent=2)
        lines = []
        for a in alerts:
            words = alert_wording(kind=a["kind"], subject=a["subject"], value=a["value"], threshold=a["threshold"], basis=a["basis"])
            figures = f"{words['value']} (threshold {words['threshold']}) {words['basis']}".strip()
            lines.append(f"{a['mess']}\t{a['kind']}\t{a['subject']}\t{figures}")
        return "\n".join(lines) or f"no alerts in the window ending {options['as_of']}"
