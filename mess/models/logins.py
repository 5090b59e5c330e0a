"""What the login throttle keeps of each address that failed a login (mess/logins.py)."""

from django.db import models


class LoginAddress(models.Model):
    """The failed logins of one client address, as a budget that refills over time (mess/logins.py):
    `owed_until` is when its failures will all have been paid back at the refill rate, so that a row
    whose `owed_until` has passed is an address with its whole budget (as is no row)."""

    address = models.CharField(max_length=64, unique=True)
    owed_until = models.DateTimeField()

    def __str__(self):
        return self.address
