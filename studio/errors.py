"""Refusals a user can meet. Views turn them into a message; the API into 400/403/409."""


class ActionRefused(Exception):
    status_code = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Invalid(ActionRefused):
    """The input is wrong: fix the form and try again."""

    status_code = 400


class Forbidden(ActionRefused):
    """The user's role does not allow this action on this object."""

    status_code = 403


class Conflict(ActionRefused):
    """The object is not in a state that allows this, or someone changed it meanwhile."""

    status_code = 409


class StaleEdit(Conflict):
    """Someone saved a newer version since the editor was opened: ``current`` is its number."""

    def __init__(self, message, *, current: int):
        super().__init__(message)
        self.current = current


class TooLarge(ActionRefused):
    """The request body is over the size limit: nothing was read into the application."""

    status_code = 413
