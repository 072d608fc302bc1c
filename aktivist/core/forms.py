"""Small helpers shared by the staff pages' forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from aktivist.core.exceptions import ApplicationError


def add_errors(form: forms.Form, exc: ValidationError | ApplicationError) -> None:
    """A service's refusal on the form: per field where the field is on it."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and not form.fields[field].disabled else None
            for error in errors:
                form.add_error(target, error)
    else:
        for text in exc.messages:
            form.add_error(None, text)
