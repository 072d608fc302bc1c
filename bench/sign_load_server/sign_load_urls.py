"""The application's URLs plus /bench/bare: a view that only answers 200, the baseline of the
signing benchmark (same server, same middleware)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from aktivist.urls import handler404, handler500
from aktivist.urls import urlpatterns as app_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
