"""The tickets app's models, one module each; Django imports this package."""

from passplus.core.enums import TicketStatus
from passplus.tickets.models.tickets import (
    Redemption,
    RedemptionQuerySet,
    RedemptionStatus,
    Ticket,
    TicketQuerySet,
)

# isort: split
from passplus.tickets.models.assignments import (
    Assignment,
    AssignmentQuerySet,
    AssignmentStatus,
)
from passplus.tickets.models.throttle import LookupFailure, LookupThrottle

__all__ = [
    "Assignment",
    "AssignmentQuerySet",
    "AssignmentStatus",
    "LookupFailure",
    "LookupThrottle",
    "Redemption",
    "RedemptionQuerySet",
    "RedemptionStatus",
    "Ticket",
    "TicketQuerySet",
    "TicketStatus",
]
