"""Rejected records keep their problems as codes and values, worded when shown; those stored
before keep their English sentence as a problem the catalogue does not know."""

from typing import Any

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import JSONArray, JSONObject


def sentence_to_problem(apps: Any, schema_editor: Any) -> None:
    rejections = apps.get_model("employers", "SyncRejection")
    rejections.objects.update(
        problems=JSONArray(JSONObject(code=Value("recorded"), params=JSONObject(text=F("message"))))
    )


class Migration(migrations.Migration):
    dependencies = [("employers", "0005_comune")]

    operations = [
        migrations.AddField(
            model_name="syncrejection",
            name="problems",
            field=models.JSONField(default=list, verbose_name="problems"),
        ),
        migrations.RunPython(sentence_to_problem, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="syncrejection", name="message"),
    ]
