"""The person page's privacy panel (aktivist/people/panels.py): the data subject's rights
for the secretariat — the access export (Art. 15/20) and erasure (Art. 17) — and the open
data-subject requests about the person. Registered in PrivacyConfig.ready().

Each part is its own include, so that each duty keeps its own template:
``privacy/panels/_access.html`` and ``privacy/panels/_erasure.html``."""

from __future__ import annotations

from typing import Any

from aktivist.accounts.capabilities import Capability, can
from aktivist.people.panels import PersonPanel, register_person_panel


def privacy_context(viewer: Any, person: Any) -> dict[str, Any]:
    return {
        "person": person,
        # The secretariat carries out the rights; scoped accounts see nothing of it.
        "may_act": can(viewer, Capability.PRIVACY_ACT),
    }


def register() -> None:
    register_person_panel(
        PersonPanel(
            key="privacy",
            template="privacy/panels/person_privacy.html",
            context=privacy_context,
            column="side",
            order=900,
        )
    )
