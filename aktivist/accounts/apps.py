from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aktivist.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from aktivist.accounts.models import User
        from aktivist.core.registries import null_out, register_simple

        # A staff account stays (its audit trail matters) but loses the link to the person.
        register_simple(
            User,
            field="person",
            export_columns=["email", "access_role", "date_joined", "last_login"],
            merge=_merge_account,
            erase=null_out(User, "person"),
        )


def _merge_account(keep, drop):
    from aktivist.accounts.models import User

    if User.objects.filter(person=keep).exists():
        User.objects.filter(person=drop).update(person=None)
    else:
        User.objects.filter(person=drop).update(person=keep)
