"""How a feature says no: a ValueError whose message a person reads, and, where the feature knows
which field of a form it is about, the same by field (a form shows each beside its field)."""


class Refused(ValueError):
    """A write refused, with why by field: {"last_day": "The last day is before the first day."}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors
