from django.db import migrations

from employers.classifications import load_sector_sections


def load(apps, schema_editor):
    load_sector_sections(apps.get_model("employers", "SectorSection"))


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
