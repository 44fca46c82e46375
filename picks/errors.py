"""The pick'em rules' refusals: each carries the HTTP status the API answers with.

400 bad input, 403 not yours to change, 409 too late (the game, or the season, has started) or not
possible in the current state. Pages show the message; config/api_errors.py's handler answers the API.
"""

from __future__ import annotations

from config.api_errors import ServiceError


class PickemError(ServiceError):
    """A request the pick'em rules refuse; `status` is the HTTP status the API answers with."""


class NotAllowed(PickemError):
    status = 403
    code = "not_allowed"


class TooLate(PickemError):
    status = 409
    code = "too_late"


class Conflict(PickemError):
    """A well-formed request the current state refuses (a limit reached, nothing to buy back): 409, as
    trying it again later, or elsewhere, may succeed; the input itself is not at fault."""

    status = 409
    code = "conflict"
