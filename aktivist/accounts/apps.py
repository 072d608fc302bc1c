from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aktivist.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from aktivist.accounts import registries
        from aktivist.accounts.checks import check_views_declare_access
        from aktivist.accounts.models import User
        from aktivist.core import retention_rules as rules
        from aktivist.core.registries import (
            nothing_to_merge,
            null_out,
            register_personal_store,
            register_simple,
        )

        # A staff account stays (its audit trail matters) but loses the link to the person;
        # its email and name live as long as the audit rows naming it (accounts/registries.py).
        register_simple(
            User,
            field="person",
            export_columns=["email", "access_role", "date_joined", "last_login"],
            merge=_merge_account,
            erase=null_out(User, "person"),
            fields=["email", "name"],
            retention=rules.AUDIT_ROWS,
        )
        # Every view declares who may open it (accounts/checks.py).
        checks.register(check_views_declare_access, checks.Tags.urls)
        # A login starts the session's idle and absolute clocks (accounts/middleware.py).
        user_logged_in.connect(_start_session_clocks, dispatch_uid="aktivist.session_clocks")
        for login_records in (AccessAttempt, AccessFailureLog, AccessLog):
            register_personal_store(
                login_records,
                fields=["username", "ip_address", "user_agent"],
                retention=rules.LOGIN_RECORDS,
                merge=nothing_to_merge,
                export=registries.export_login_records(login_records),
                erase=registries.erase_login_records(login_records),
            )


def _merge_account(keep, drop):
    from aktivist.accounts.models import User

    if User.objects.filter(person=keep).exists():
        User.objects.filter(person=drop).update(person=None)
    else:
        User.objects.filter(person=drop).update(person=keep)


def _start_session_clocks(sender, request=None, **kwargs):
    from aktivist.accounts.middleware import mark_login

    if request is not None:
        mark_login(request)
