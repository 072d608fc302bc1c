"""Work outside the request for accounts. Tasks take ids, load, and call a service."""

from __future__ import annotations

from django_tasks import task

from aktivist.accounts.models import User


@task()
def send_invitation(user_id: int) -> None:
    user = User.objects.select_related("invited_by").filter(pk=user_id).first()
    if user is None:
        return
    from aktivist.accounts.services import user_send_invitation

    user_send_invitation(user=user)


@task()
def send_password_reset(email_digest: str) -> None:
    """The reset link, for the account whose address has this keyed hash (the queue never
    holds a typed address)."""
    from aktivist.accounts.services import password_reset_send

    password_reset_send(email_digest=email_digest)


@task()
def send_two_factor_reset_notice(user_id: int, actor_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    from aktivist.accounts.services import user_send_two_factor_reset_notice

    actor = User.objects.filter(pk=actor_id).first()
    user_send_two_factor_reset_notice(user=user, actor=actor)
