"""Encrypt a secret that must wait in the task queue (an SMS carrying a one-time code).

The database never holds a one-time code in clear: the code itself is stored hashed, and the
SMS text waiting to be sent is encrypted with a key derived from SECRET_KEY (Fernet:
AES-128-CBC + HMAC-SHA256, from `cryptography`). Reading it needs both the database and the
application's secret, like checking the hashed code does.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"passplus-queue:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal_text(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal_text(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
