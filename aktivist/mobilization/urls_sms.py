from django.urls import path

from aktivist.mobilization import views_sms

app_name = "sms_webhooks"

urlpatterns = [
    path("46elks/<str:secret>/delivery/", views_sms.elks_delivery, name="elks_delivery"),
    path("46elks/<str:secret>/inbound/", views_sms.elks_inbound, name="elks_inbound"),
    path("twilio/status/", views_sms.twilio_status, name="twilio_status"),
    path("twilio/inbound/", views_sms.twilio_inbound, name="twilio_inbound"),
]
