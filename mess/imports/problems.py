"""Why an import's row is refused: `Bad`, one reason, and `Problems`, which gathers every reason a
row has, so that it says all that is wrong with it at once."""

from collections.abc import Callable


class Bad(Exception):
    """A row's reason for being rejected."""


class Problems:
    """A row's problems, all of them: each field is checked on its own (`take`), so that a row says
    everything wrong with it at once instead of its first problem; `done` raises Bad with them all."""

    def __init__(self):
        self.found: list[str] = []

    def take(self, check: Callable, *args, **kwargs):
        """What `check(*args, **kwargs)` gives, or None when it raises Bad, which is kept."""
        try:
            return check(*args, **kwargs)
        except Bad as bad:
            self.found.append(str(bad))
            return None

    def done(self) -> None:
        if self.found:
            raise Bad("; ".join(self.found))
