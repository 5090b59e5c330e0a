"""How an alert reads on the pages and in the e-mails: `{% with words=alert|alert_words %}` gives
mess.alerts.alert_wording's title, value, threshold and basis, for a stored Alert or an alert as a
daily report keeps it (a dict)."""

from django import template

from mess.alerts import alert_wording

register = template.Library()


@register.filter
def alert_words(alert) -> dict:
    get = alert.get if isinstance(alert, dict) else lambda name, default=None: getattr(alert, name, default)
    return alert_wording(kind=get("kind"), subject=get("subject"), value=get("value"), threshold=get("threshold"), basis=get("basis"))
