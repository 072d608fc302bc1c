from django.db import migrations

# The defaults of aktivist/core/retention_rules.py when the rules were introduced (admins change
# the days afterwards on the retention page).
DEFAULTS = {
    "people_inactive_non_members": 730,
    "people_former_members": 1825,
    "person_record": 0,
    "import_files": 90,
    "import_refused_cells": 90,
    "review_payloads": 180,
    "login_records": 90,
    "audit_rows": 730,
    "data_subject_requests": 1095,
}


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for key, days in DEFAULTS.items():
        # Rules that erase or delete start switched off: an admin turns them on after
        # looking at the preview (nothing disappears on upgrade by surprise).
        RetentionRule.objects.get_or_create(key=key, defaults={"days": days, "enabled": False})


def unseed(apps, schema_editor):
    apps.get_model("privacy", "RetentionRule").objects.filter(key__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
