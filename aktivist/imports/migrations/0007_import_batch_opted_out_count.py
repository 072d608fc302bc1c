from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0006_import_batch_skipped_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="opted_out_count",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
