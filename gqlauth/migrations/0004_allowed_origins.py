# Each application's CORS origins (issue 14): empty for existing applications, which keeps them
# as they were (no page on another origin may read their answers).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gqlauth", "0003_account_binding"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="allowed_origins",
            field=models.TextField(
                blank=True,
                help_text="Origins (scheme://host[:port]) of browser pages that may read this "
                "client's answers from the token, revocation and GraphQL endpoints (CORS), space "
                "separated.",
            ),
        ),
    ]
