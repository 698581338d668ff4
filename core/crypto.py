"""Encryption at rest: Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under
a MultiFernet of the keys in settings.FIELD_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so a new key goes first and the old
ones stay listed until `manage.py encryption_rotate` has re-encrypted every stored
value and file under the new key. Keys come from the environment
(FIELD_ENCRYPTION_KEYS, comma-separated urlsafe-base64 32-byte keys); development
derives one from SECRET_KEY so the default run needs no setup.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = [
    "InvalidToken",
    "decrypt_bytes",
    "decrypt_text",
    "encrypt_bytes",
    "encrypt_text",
    "is_token",
    "key_derive",
    "rotate_bytes",
]

# Every Fernet token starts with version byte 0x80, "gAAAAA" once base64-encoded.
TOKEN_PREFIX = "gAAAAA"


def key_derive(secret: str) -> str:
    """A Fernet key derived from a secret, as settings derive the development default
    from SECRET_KEY."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _keys() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty: no key to encrypt with.")
    return _fernet(keys)


def encrypt_bytes(data: bytes) -> bytes:
    return _keys().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Raises InvalidToken if no configured key made `token` (or it was altered)."""
    return _keys().decrypt(token)


def encrypt_text(text: str) -> str:
    return encrypt_bytes(text.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    return decrypt_bytes(token.encode("ascii")).decode()


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def rotate_bytes(token: bytes) -> bytes:
    """The same plaintext under the first (newest) key."""
    return _keys().rotate(token)
