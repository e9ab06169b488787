"""Runs record their last progress (those stored before take their last known time), and one
whose process stopped without finishing is marked interrupted."""

from typing import Any

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def interrupted_to_failed(apps: Any, schema_editor: Any) -> None:
    """Going back: the older status column has no room for 'interrupted'."""
    apps.get_model("employers", "SyncRun").objects.filter(status="interrupted").update(
        status="failed"
    )


def progress_from_known_times(apps: Any, schema_editor: Any) -> None:
    apps.get_model("employers", "SyncRun").objects.update(
        progress_at=Coalesce(F("finished_at"), F("started_at"))
    )


class Migration(migrations.Migration):
    dependencies = [("employers", "0006_rejection_problems")]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="progress_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="last progress"
            ),
        ),
        migrations.RunPython(progress_from_known_times, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="syncrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("interrupted", "Interrupted"),
                ],
                default="running",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, interrupted_to_failed, elidable=True),
    ]
