"""The one error type of the policy package."""


class PolicyError(ValueError):
    """A policy document that cannot be understood; the message is AWS's where AWS has one."""

    def __init__(self, message: str, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.messages = messages or [message]
