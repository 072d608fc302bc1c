"""File uploads that are streamed to disk and capped while they arrive (issue 15).

A view decorated with ``streamed_upload(limit)`` receives every uploaded file as a temporary
file on disk (never in memory), and stops writing a file once it is over ``limit`` bytes:
the rest of it is read from the connection and thrown away, the file's ``size`` still says
how large it was, so the form can refuse it with its usual message. Nothing here reads what
the file holds; that is the background task's business.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt, csrf_protect

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class CappedUploadHandler(TemporaryFileUploadHandler):
    """A temporary file on disk per upload, written up to ``limit`` bytes and no further."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # over the cap: read from the connection, never written
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        uploaded = super().file_complete(file_size)
        if uploaded is not None and self.received > self.limit:
            if uploaded.file is not None:
                uploaded.file.truncate(0)  # what was written is of no use; free the disk
            uploaded.size = self.received
        return uploaded


def streamed_upload(limit: Callable[[], int]) -> Callable[[View], View]:
    """Decorate a view whose request may carry files: they are streamed to disk and capped
    at ``limit()`` bytes each. The CSRF check still applies (it runs after the handlers are
    in place, since it is what first reads the request's body)."""

    def decorator(view: View) -> View:
        protected = csrf_protect(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            request.upload_handlers = [CappedUploadHandler(request, limit=limit())]
            return protected(request, *args, **kwargs)

        return cast(View, csrf_exempt(wrapped))

    return decorator


@contextlib.contextmanager
def local_path(stored: FieldFile) -> Iterator[str]:
    """A path on this machine for a stored file: its own with the file system storage, else
    a temporary copy, removed afterwards."""
    try:
        own = stored.path
    except NotImplementedError:
        own = ""
    if own:
        yield own
        return
    handle, path = tempfile.mkstemp(prefix="aktivist-stored-")
    try:
        with os.fdopen(handle, "wb") as out, stored.open("rb") as source:
            for chunk in source.chunks():
                out.write(chunk)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
