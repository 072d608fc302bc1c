"""Demo urgent templates: one approved (a duty officer can send from it at once) and one
waiting for a second member of the secretariat."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.urgent.models import UrgentTemplate

DETAINED_EMAIL_SV = """Hej {{ first_name | vän }}!

{{ case_summary }}

Varje timme räknas. Skriv under nu, före {{ deadline }}, och kräv att myndigheterna
släpper hen omedelbart och villkorslöst:

[Agera nu]({{ action_link }})

Tack för att du finns i vårt snabbinsatsnätverk.
"""

DETAINED_EMAIL_EN = """Hi {{ first_name | friend }},

{{ case_summary }}

Every hour counts. Sign now, before {{ deadline }}, and demand their immediate and
unconditional release:

[Act now]({{ action_link }})

Thank you for being part of our rapid-response network.
"""


def load_urgent_demo(*, out: Callable[[str], None] = print) -> int:
    """The demo's urgent templates (none when there are some already). Returns how many."""
    staff = User.objects.filter(access_role=User.AccessRole.STAFF).order_by("pk").first()
    admin = User.objects.filter(access_role=User.AccessRole.ADMIN).order_by("pk").first()
    if staff is None or admin is None or UrgentTemplate.objects.exists():
        return 0
    with transaction.atomic():
        UrgentTemplate.objects.create(
            name="Fängslad och i fara",
            email_subject_sv="Blixtaktion: {{ case_title }}",
            email_body_sv=DETAINED_EMAIL_SV,
            email_subject_en="Urgent action: {{ case_title }}",
            email_body_en=DETAINED_EMAIL_EN,
            sms_sv="Blixtaktion: {{ case_title }}. Skriv under före {{ deadline }}: "
            "{{ action_link }}",
            sms_en="Urgent: {{ case_title }}. Sign by {{ deadline }}: {{ action_link }}",
            follow_up_sv="Hinner du? {{ case_title }} behöver din underskrift: {{ action_link }}",
            follow_up_en="Got a minute? {{ case_title }} needs your signature: {{ action_link }}",
            follow_up_hours=4,
            status=UrgentTemplate.Status.APPROVED,
            created_by=staff,
            requested_by=staff,
            approved_by=admin,
            approved_at=timezone.now(),
        )
        UrgentTemplate.objects.create(
            name="Dödsstraff verkställs",
            email_subject_sv="Stoppa avrättningen: {{ case_title }}",
            email_body_sv="Hej {{ first_name | vän }}!\n\n{{ case_summary }}\n\n"
            "[Skriv under före {{ deadline }}]({{ action_link }})\n",
            sms_sv="Stoppa avrättningen: {{ case_title }}. Skriv under: {{ action_link }}",
            follow_up_hours=2,
            status=UrgentTemplate.Status.AWAITING_APPROVAL,
            created_by=staff,
            requested_by=staff,
        )
    out("Demo urgent templates loaded: 1 approved, 1 waiting for approval.")
    return 2
