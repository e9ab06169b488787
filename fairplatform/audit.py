from typing import Any

from django.db import models

from accounts.models import User
from fairplatform.models import AuditEntry


def audit_record(*, actor: User | None, action: str, obj: models.Model, **data: Any) -> AuditEntry:
    """Write one audit line in the caller's transaction, so it exists exactly when the change does."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
    )
