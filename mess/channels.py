"""Messages that reach a phone: Web Push and Telegram, the channels besides e-mail. A channel's
sender delivers one stored message to one person, and says how it failed by which of these it
raises: the rule that stores, sends once, retries and gives up is the same for every channel."""


class DeliveryTemporary(Exception):
    """The channel did not take the message this time (a timeout, a 5xx, a 429): a later try may."""


class DeliveryPermanent(Exception):
    """The channel refused the message and would refuse it again. `gone` says the address itself is
    no more (a push subscription answering 404 or 410, a Telegram chat that blocked the bot): it is
    removed at once, and the message is given up for that address."""

    def __init__(self, message: str, *, gone: bool = False):
        super().__init__(message)
        self.gone = gone
