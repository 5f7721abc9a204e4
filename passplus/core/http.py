from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind N trusted proxies (TRUSTED_PROXY_COUNT), the N-th address
    from the right of X-Forwarded-For; never a value the client could forge by itself."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded: list[str] = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
