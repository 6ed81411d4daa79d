"""One family of errors for the use cases; the web layer maps each to an HTTP status in one place."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the rules refuse: a Chinese message, and per-field messages where a field is at fault."""

    status = 422

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, object]:
        return {"message": self.message, "fields": self.fields}


class TransitionError(ApplicationError):
    """The object is not in a state that allows this step (HTTP 409)."""

    status = 409


class Stale(TransitionError):
    """A guarded write found its row changed since it was read (optimistic locking): the whole step was
    undone, nothing of it written (HTTP 409 if it reaches the web layer)."""

    def __init__(self, message: str = "数据已被他人更新，请刷新后重试"):
        super().__init__(message)


class NotPermitted(ApplicationError):
    """The signed-in person may not do this to this object (HTTP 403)."""

    status = 403
