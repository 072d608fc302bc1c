from django.db import migrations

# The copies of messages kept outside production (core.SentMessage) are deleted after 7 days
# from the start: they are a developer's convenience, not a record anyone needs to keep.


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.get_or_create(key="sent_messages", defaults={"days": 7, "enabled": True})


def unseed(apps, schema_editor):
    apps.get_model("privacy", "RetentionRule").objects.filter(key="sent_messages").delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_request_overdue_reminder"), ("core", "0003_sent_message")]

    operations = [migrations.RunPython(seed, unseed)]
