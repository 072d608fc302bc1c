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
