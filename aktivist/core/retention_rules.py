"""The retention rules: every store of personal data is kept only as long as one of these
says. Admins change the days on the retention page; the defaults are here (and seeded by
migration). A model that holds personal data names its rule when it registers
(``core.registries``); a rule that a person's other records follow is ``PERSON_RECORD``."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RuleSpec:
    key: str
    label: object  # lazy text
    days: int
    description: object  # lazy text
    # The fewest days an admin may set: a rule that anonymises people cannot be set below a
    # year, so that a slip of the keyboard cannot empty the register overnight.
    min_days: int = 1


# People: who is anonymised (erasure in bulk, aktivist/privacy/erasure.py).
INACTIVE_NON_MEMBERS = "people_inactive_non_members"
FORMER_MEMBERS = "people_former_members"
# The records that belong to a person live as long as the person's record does.
PERSON_RECORD = "person_record"
# Stores that are purged on their own.
IMPORT_FILES = "import_files"
IMPORT_REFUSED_CELLS = "import_refused_cells"
REVIEW_PAYLOADS = "review_payloads"
LOGIN_RECORDS = "login_records"
AUDIT_ROWS = "audit_rows"
DATA_SUBJECT_REQUESTS = "data_subject_requests"
SENT_MESSAGES = "sent_messages"

RULES: dict[str, RuleSpec] = {
    spec.key: spec
    for spec in (
        RuleSpec(
            INACTIVE_NON_MEMBERS,
            _("Non-members who do nothing"),
            730,
            _(
                "Non-members with no action, no registration and no confirmed consent in "
                "this many days are anonymised."
            ),
            min_days=365,
        ),
        RuleSpec(
            FORMER_MEMBERS,
            _("Former members"),
            1825,
            _(
                "Former members whose membership ended more than this many days ago are "
                "anonymised, unless they acted, registered or consented within as many days."
            ),
            min_days=365,
        ),
        RuleSpec(
            PERSON_RECORD,
            _("A person's own records"),
            0,
            _(
                "Consents, actions, registrations, notes, deliveries and the like are kept as "
                "long as the person's record and anonymised with it (no days of their own)."
            ),
        ),
        RuleSpec(
            IMPORT_FILES,
            _("Uploaded import files"),
            90,
            _("The kept copy of an uploaded file is deleted this many days after the upload."),
        ),
        RuleSpec(
            IMPORT_REFUSED_CELLS,
            _("Cells of refused import rows"),
            90,
            _("The cells of refused, conflicting and held rows are blanked after this many days."),
        ),
        RuleSpec(
            REVIEW_PAYLOADS,
            _("Review queue payloads"),
            180,
            _("What a held request carried is blanked this many days after it was handled."),
        ),
        RuleSpec(
            LOGIN_RECORDS,
            _("Login records"),
            90,
            _("Records of logins and failed attempts are deleted after this many days."),
        ),
        RuleSpec(
            AUDIT_ROWS,
            _("Audit trail"),
            730,
            _("Audit rows, reads included, are deleted after this many days (and only then)."),
        ),
        RuleSpec(
            DATA_SUBJECT_REQUESTS,
            _("Data-subject requests"),
            1095,
            _("Closed requests are anonymised this many days after they were closed."),
        ),
        RuleSpec(
            SENT_MESSAGES,
            _("Messages kept outside production"),
            7,
            _(
                "Outside production (development, the demo) a copy of every email and SMS "
                "is kept for the sent-messages page and deleted after this many days."
            ),
        ),
    )
}

# The rules that people fall under (anonymised in batches through the erasure service).
PEOPLE_RULES = (INACTIVE_NON_MEMBERS, FORMER_MEMBERS)
# Rules with no days of their own (shown, never run).
FOLLOWING_RULES = (PERSON_RECORD,)
