import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "sector_sections.json"


def load(apps, schema_editor):
    SectorSection = apps.get_model("employers", "SectorSection")
    for row in json.loads(DATA.read_text(encoding="utf-8"))["sections"]:
        SectorSection.objects.update_or_create(
            classification=row["classification"], code=row["code"], defaults=row
        )


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
