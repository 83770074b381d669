"""Typed access to a form's choice fields, whose choices are set when the form is built."""

from __future__ import annotations

from typing import cast

from django import forms


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's own copy of its declared ChoiceField `name` (the stubs type `form.fields`
    as plain fields, which have no `choices`)."""
    return cast(forms.ChoiceField, form.fields[name])
