"""Re-encrypt every encrypted value and file under the newest key.

Put the new key first in FIELD_ENCRYPTION_KEYS (old ones after it, so they still
decrypt), run this, then drop the old keys. Also encrypts values and files written
before their field was encrypted. Safe to run twice; resumable (row by row)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from core.fields import encrypted_fields, encrypted_storages


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields and files under the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        for model, name in encrypted_fields():
            done = 0
            rows = model._default_manager.exclude(**{name: ""}).values_list("pk", name)
            for pk, value in rows.iterator():
                # Read, the value was decrypted by whichever key made it; written back,
                # it is encrypted under the first key (a plaintext one for the first time).
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**{name: value})
                done += 1
            self.stdout.write(f"{model._meta.label}.{name}: {done} re-encrypted")
        for model, name, storage in encrypted_storages():
            done = 0
            for obj in model._default_manager.exclude(**{name: ""}).iterator():
                new_name = storage.rotate(getattr(obj, name).name)
                if new_name is not None:
                    model._default_manager.filter(pk=obj.pk).update(**{name: new_name})
                    done += 1
            self.stdout.write(f"{model._meta.label}.{name}: {done} files re-encrypted")
