from django.contrib import admin
from django.urls import include, path

from aktivist.accounts.admin_site import restrict_admin_site

restrict_admin_site(admin.site)

urlpatterns = [
    path("", include("aktivist.staff.urls")),
    path("accounts/", include("aktivist.accounts.urls")),
    path("people/", include("aktivist.people.urls")),
    path("units/", include("aktivist.organisation.urls")),
    path("units/alumni/", include("aktivist.mobilization.urls_alumni")),
    path("imports/", include("aktivist.imports.urls")),
    path("engagement/", include("aktivist.engagement.urls")),
    path("segments/", include("aktivist.segments.urls")),
    path("mobilizations/", include("aktivist.mobilization.urls")),
    path("urgent/", include("aktivist.urgent.urls")),
    path("privacy/", include("aktivist.privacy.urls")),
    path("campaigns/", include("aktivist.campaigns.urls")),
    path("campaigns/", include("aktivist.campaigns.urls_handover")),
    path("programmes/", include("aktivist.programmes.urls")),
    path("programmes/", include("aktivist.programmes.urls_attendance")),
    path("programmes/", include("aktivist.programmes.urls_reports")),
    path("", include("aktivist.public.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Bounce and complaint webhooks of email service providers (basic auth: ANYMAIL);
    # anymail's addresses, a provider that is not set up answered 404 (not a 500).
    path("webhooks/email/", include("aktivist.mobilization.urls_email")),
    # Delivery receipts and replies of the SMS providers (a secret address, or signed).
    path("webhooks/sms/", include("aktivist.mobilization.urls_sms")),
    path("admin/", admin.site.urls),
]

handler404 = "aktivist.core.views.not_found"
handler500 = "aktivist.core.views.server_error"
