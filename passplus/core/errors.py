class DomainError(Exception):
    """A business rule refused the operation. The message is French and shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionError(DomainError):
    """A lifecycle transition was asked from a state that does not allow it."""
