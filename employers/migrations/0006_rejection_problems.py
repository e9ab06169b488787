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


def problems_to_sentence(apps: Any, schema_editor: Any) -> None:
    """Going back: the recorded sentences as they were, and the codes of the others (the
    catalogue that words them may have changed since)."""
    rejections = apps.get_model("employers", "SyncRejection")
    for rejection in rejections.objects.only("pk", "problems").iterator():
        rejection.message = " ".join(
            str(problem["params"].get("text") or problem["code"]) for problem in rejection.problems
        )
        rejection.save(update_fields=["message"])


class Migration(migrations.Migration):
    dependencies = [("employers", "0005_comune")]

    operations = [
        migrations.AddField(
            model_name="syncrejection",
            name="problems",
            field=models.JSONField(default=list, verbose_name="problems"),
        ),
        migrations.RunPython(sentence_to_problem, problems_to_sentence, elidable=True),
        # Going back re-adds the column empty before the sentences are rebuilt into it.
        migrations.AlterField(
            model_name="syncrejection",
            name="message",
            field=models.TextField(default="", verbose_name="message"),
        ),
        migrations.RemoveField(model_name="syncrejection", name="message"),
    ]
