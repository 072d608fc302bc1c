"""The SMS providers' webhooks: delivery receipts and replies (STOP / START).

* **46elks** signs nothing: its webhook addresses carry ``SMS_WEBHOOK_SECRET``
  (``/webhooks/sms/46elks/<secret>/delivery/`` is given with each message as
  ``whendelivered``; ``…/inbound/`` is the virtual number's ``sms_url``). A wrong secret is
  answered 403. 46elks posts form data and retries until it gets a 2xx answer
  (https://46elks.se/docs/receive-sms, https://46elks.se/docs/sms-delivery-reports).
* **Twilio** signs every request: ``X-Twilio-Signature`` is the Base64 HMAC-SHA1, keyed
  with the auth token, of the full address it called followed by each POST parameter's
  name and value sorted by name (https://www.twilio.com/docs/usage/security). The address
  is rebuilt from ``SITE_URL``, the public address Twilio was given. A missing or wrong
  signature is answered 403.

Known requests are answered 2xx whatever they name (an unknown delivery, a stranger's
STOP), so a provider never retries them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aktivist.accounts.decorators import open_to_anyone
from aktivist.mobilization import sms_events

ELKS_STATUSES = {"delivered": True, "failed": False}
TWILIO_STATUSES = {"delivered": True, "undelivered": False, "failed": False}


def _elks_secret_ok(secret: str) -> bool:
    expected = str(settings.SMS_WEBHOOK_SECRET)
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


@open_to_anyone  # the providers: a secret address or a signature, checked below
@csrf_exempt
@require_POST
def elks_delivery(request: HttpRequest, secret: str) -> HttpResponse:
    if not _elks_secret_ok(secret):
        return HttpResponseForbidden()
    status = request.POST.get("status", "")
    sms_events.delivery_report(
        delivery_id=request.GET.get("d", ""),
        provider_id=request.POST.get("id", ""),
        delivered=ELKS_STATUSES.get(status),
        error=f"46elks {status}",
    )
    return HttpResponse(status=204)


@open_to_anyone  # the providers: a secret address or a signature, checked below
@csrf_exempt
@require_POST
def elks_inbound(request: HttpRequest, secret: str) -> HttpResponse:
    if not _elks_secret_ok(secret):
        return HttpResponseForbidden()
    sms_events.inbound(
        sender=request.POST.get("from", ""),
        text=request.POST.get("message", ""),
        provider="46elks",
    )
    return HttpResponse(status=204)  # an empty answer: no reply SMS


def twilio_signature(url: str, params: list[tuple[str, str]], token: str) -> str:
    data = url + "".join(f"{key}{value}" for key, value in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _twilio_signed(request: HttpRequest) -> bool:
    token = str(settings.SMS_TWILIO_AUTH_TOKEN)
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    params = [(key, value) for key, values in request.POST.lists() for value in values]
    return hmac.compare_digest(twilio_signature(url, params, token).encode(), given.encode())


@open_to_anyone  # the providers: a secret address or a signature, checked below
@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _twilio_signed(request):
        return HttpResponseForbidden()
    code = request.POST.get("ErrorCode", "")
    sms_events.delivery_report(
        delivery_id=request.GET.get("d", ""),
        provider_id=request.POST.get("MessageSid", ""),
        delivered=TWILIO_STATUSES.get(request.POST.get("MessageStatus", "")),
        error=f"Twilio {code}".strip(),
    )
    return HttpResponse(status=204)


@open_to_anyone  # the providers: a secret address or a signature, checked below
@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _twilio_signed(request):
        return HttpResponseForbidden()
    sms_events.inbound(
        sender=request.POST.get("From", ""), text=request.POST.get("Body", ""), provider="twilio"
    )
    # Empty TwiML: no reply of ours (Twilio answers STOP itself on its own numbers).
    return HttpResponse("<Response></Response>", content_type="text/xml")
