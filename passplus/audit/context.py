"""Who is acting and from where, for audit events written deep inside the domain code.

The middleware sets these per request; management commands and tasks leave them empty.
"""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
