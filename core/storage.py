"""A storage that follows the settings: the one file-storage helper several apps use
(content's images and attachments, moderation's verification documents, qa's answer
files)."""

from os import PathLike
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible


@deconstructible
class AliasStorage(Storage):
    """The storage configured under STORAGES[alias], looked up on every use, so that a
    settings change (tests, S3 switched on) applies to files already declared.
    "private" stands for settings.CONTENT_PRIVATE_STORAGE."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    @property
    def target(self) -> Storage:
        name = settings.CONTENT_PRIVATE_STORAGE if self.alias == "private" else self.alias
        return storages[name]

    def open(self, name: str, mode: str = "rb") -> Any:
        return self.target.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.target.save(name, content, max_length=max_length)

    def generate_filename(self, filename: str | PathLike[str]) -> str:
        return self.target.generate_filename(filename)

    def delete(self, name: str) -> None:
        self.target.delete(name)

    def exists(self, name: str) -> bool:
        return self.target.exists(name)

    def size(self, name: str) -> int:
        return self.target.size(name)

    def url(self, name: str | None) -> str:
        return self.target.url(name)

    def path(self, name: str) -> str:
        return self.target.path(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.target.listdir(path)
