"""The privacy pages, mounted at /privacy/ (namespace "privacy"): the audit trail, the
data-subject requests, retention, the records of processing, and a person's access export
and erasure (from the person page's privacy panel)."""

from django.urls import path

from aktivist.privacy import (
    views_access,
    views_audit,
    views_erasure,
    views_records,
    views_requests,
    views_retention,
)

app_name = "privacy"

urlpatterns = [
    # The audit trail (views_audit.py): admins and the data-protection officer.
    path("audit/", views_audit.audit_list, name="audit"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
    # Data-subject requests (views_requests.py).
    path("requests/", views_requests.request_list, name="request_list"),
    path("requests/new/", views_requests.request_new, name="request_new"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/identity/", views_requests.request_identity, name="request_identity"),
    path("requests/<int:pk>/extend/", views_requests.request_extend, name="request_extend"),
    path("requests/<int:pk>/fulfil/", views_requests.request_fulfil, name="request_fulfil"),
    path("requests/<int:pk>/refuse/", views_requests.request_refuse, name="request_refuse"),
    path("requests/<int:pk>/person/", views_requests.request_person, name="request_person"),
    # Retention (views_retention.py) and the records of processing (views_records.py).
    path("retention/", views_retention.retention_rules, name="retention"),
    path("retention/<slug:key>/", views_retention.retention_rule_update, name="retention_rule"),
    path("records/", views_records.records, name="records"),
    # A person's rights, from the person page: the access export (Art. 15/20) and erasure
    # (Art. 17).
    path("people/<int:pk>/access/", views_access.access_page, name="access"),
    path("people/<int:pk>/access/export/", views_access.access_export, name="access_export"),
    path("people/<int:pk>/erase/", views_erasure.person_erase, name="person_erase"),
]
