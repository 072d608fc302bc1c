"""The privacy pages, mounted at /privacy/ (namespace "privacy")."""

from django.urls import path  # noqa: F401 - the views add their paths

app_name = "privacy"

urlpatterns: list = []

# The audit viewer (aktivist/privacy/views_audit.py).
from aktivist.privacy import views_audit  # noqa: E402 - each part adds its own paths

urlpatterns += [
    path("audit/", views_audit.audit_list, name="audit"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
]

# Data-subject requests, retention and the records of processing (views_requests.py,
# views_retention.py, views_records.py).
from aktivist.privacy import views_records, views_requests, views_retention  # noqa: E402

urlpatterns += [
    path("requests/", views_requests.request_list, name="request_list"),
    path("requests/new/", views_requests.request_new, name="request_new"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/identity/", views_requests.request_identity, name="request_identity"),
    path("requests/<int:pk>/extend/", views_requests.request_extend, name="request_extend"),
    path("requests/<int:pk>/fulfil/", views_requests.request_fulfil, name="request_fulfil"),
    path("requests/<int:pk>/refuse/", views_requests.request_refuse, name="request_refuse"),
    path("requests/<int:pk>/person/", views_requests.request_person, name="request_person"),
    path("retention/", views_retention.retention_rules, name="retention"),
    path("retention/<slug:key>/", views_retention.retention_rule_update, name="retention_rule"),
    path("records/", views_records.records, name="records"),
]

# Erasure (Art. 17) from the person page (views_erasure.py).
from aktivist.privacy import views_erasure  # noqa: E402

urlpatterns += [
    path("people/<int:pk>/erase/", views_erasure.person_erase, name="person_erase"),
]

# The access export, Art. 15/20 (views_access.py).
from aktivist.privacy import views_access  # noqa: E402

urlpatterns += [
    path("people/<int:pk>/access/", views_access.access_page, name="access"),
    path("people/<int:pk>/access/export/", views_access.access_export, name="access_export"),
]
