"""A URL configuration for test_capabilities: one view that declares nothing, one that
declares a capability, one open to anyone."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import open_to_anyone, requires


def forgotten(request: HttpRequest) -> HttpResponse:
    return HttpResponse("open by accident")


@requires(Capability.PEOPLE_VIEW)
def guarded(request: HttpRequest) -> HttpResponse:
    return HttpResponse("people")


@open_to_anyone
def public(request: HttpRequest) -> HttpResponse:
    return HttpResponse("public")


urlpatterns = [
    path("forgotten/", forgotten),
    path("guarded/", guarded),
    path("public/", public),
]
