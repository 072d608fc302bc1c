"""Public pages (placeholder: implemented by the public pages work)."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


action_page = action_embed = action_thanks = action_count = confirm_email = privacy_notice = _todo
