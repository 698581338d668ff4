"""Model fields and storages that keep personal data encrypted at rest (core.crypto).

`EncryptedTextField` stores a Fernet token in a text column and gives Python the
plaintext. Tokens are random (no two encryptions of one value match), so such a
field cannot be filtered or indexed on: it is for values read back, never searched
(IP addresses, document metadata). `EncryptedStorage` does the same for files:
what lands on disk or in the bucket is a token; `open()` hands back the plaintext.
"""

import io
import tempfile
from io import BytesIO
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.db import models
from django.utils.deconstruct import deconstructible

from core import crypto
from core.storage import AliasStorage


class EncryptedTextField(models.TextField):
    """A text value encrypted with the configured keys. '' and None are stored as they
    are (nothing to hide, and `blank=True` fields stay cheap)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value or not crypto.is_token(value):
            return value  # empty, or a row written before the column was encrypted
        return crypto.decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt_text(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) that holds an EncryptedTextField: what the rotation
    command re-encrypts."""
    from django.apps import apps  # the registry is ready by the time anyone asks

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


@deconstructible
class EncryptedStorage(AliasStorage):
    """An AliasStorage whose files are encrypted: uploads are encrypted whole before
    they are written, reads decrypted whole (documents of a few megabytes at most)."""

    def open(self, name: str, mode: str = "rb") -> Any:
        with self.target.open(name, "rb") as handle:
            token = handle.read()
        data = crypto.decrypt_bytes(token) if token.startswith(b"gAAAAA") else token
        return File(BytesIO(data), name=name)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        raw = content.read()
        data = raw.encode() if isinstance(raw, str) else raw
        return self.target.save(name, ContentFile(crypto.encrypt_bytes(data)), max_length)

    def rotate(self, name: str) -> str | None:
        """Re-encrypt one stored file under the newest key. The new token is written
        under a new name before the old file goes, so a crash loses nothing; the
        caller stores the returned name. None if the file is missing."""
        if not self.target.exists(name):
            return None
        with self.target.open(name, "rb") as handle:
            token = handle.read()
        rotated = (
            crypto.rotate_bytes(token)
            if token.startswith(b"gAAAAA")
            else crypto.encrypt_bytes(token)
        )
        new_name = self.target.save(name, ContentFile(rotated))
        self.target.delete(name)
        return new_name


def encrypted_storages() -> list[tuple[type[models.Model], str, EncryptedStorage]]:
    """Every (model, file field name, storage) whose storage is an EncryptedStorage."""
    from django.apps import apps  # the registry is ready by the time anyone asks

    return [
        (model, field.name, field.storage)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and isinstance(field.storage, EncryptedStorage)
    ]


CHUNK_MAGIC = b"ZLCE1\n"  # a file of Fernet tokens, one per chunk (ChunkedEncryptedStorage)
CHUNK_SIZE = 1024 * 1024


class ChunkedEncryptedStorage(EncryptedStorage):
    """An EncryptedStorage for large files (data exports): written and read one
    chunk at a time, so memory stays at a few chunks whatever the size.

    Format: CHUNK_MAGIC, then per CHUNK_SIZE bytes of plain data a 4-byte big-endian
    length and the Fernet token of that chunk. Each token is authenticated (a changed
    chunk fails to decrypt); their order and count are not, which the zip inside
    catches (a reordered or cut zip fails its CRCs). Files written whole by
    EncryptedStorage (before this storage) are still read."""

    def open(self, name: str, mode: str = "rb") -> Any:
        handle = self.target.open(name, "rb")
        if handle.read(len(CHUNK_MAGIC)) != CHUNK_MAGIC:
            handle.close()
            return super().open(name, mode)
        return File(io.BufferedReader(_ChunkReader(handle), CHUNK_SIZE), name=name)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        with tempfile.TemporaryFile() as sealed:
            sealed.write(CHUNK_MAGIC)
            while chunk := content.read(CHUNK_SIZE):
                data = chunk.encode() if isinstance(chunk, str) else chunk
                token = crypto.encrypt_bytes(data)
                sealed.write(len(token).to_bytes(4, "big") + token)
            sealed.seek(0)
            return self.target.save(name, File(sealed, name=name or "sealed"), max_length)

    def rotate(self, name: str) -> str | None:
        if not self.target.exists(name):
            return None
        with self.open(name) as plain:
            new_name = self.save(name, plain)
        self.target.delete(name)
        return new_name


class _ChunkReader(io.RawIOBase):
    """The plain bytes of a chunked file, decrypting one token at a time."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            size = self._handle.read(4)
            if not size:
                return 0
            token = self._handle.read(int.from_bytes(size, "big"))
            self._buffer = crypto.decrypt_bytes(token)
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()
