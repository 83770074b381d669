"""Writes of single records from the data pages."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from accounts.models import Membership
from kpiapp.forms import RecordForm
from kpiapp.models import Deal, DealStageChange
from kpiapp.services.snapshots import recompute_request


class RecordInUse(Exception):
    """The record is referenced by others and cannot be deleted."""


@transaction.atomic
def record_save(*, membership: Membership, form: RecordForm) -> models.Model:
    """Save a validated form; a deal's change of stage goes into its history."""
    record = form.instance
    old_stage = None
    if isinstance(record, Deal) and record.pk:
        old_stage = Deal.objects.filter(pk=record.pk).values_list("stage", flat=True).first()
    record = form.save()
    if isinstance(record, Deal) and old_stage is not None and old_stage != record.stage:
        DealStageChange.objects.create(
            deal=record, changed_by=membership.user, from_stage=old_stage, to_stage=record.stage
        )
    recompute_request()
    return record


@transaction.atomic
def record_delete(*, membership: Membership, record: models.Model) -> None:
    try:
        record.delete()
        recompute_request()
    except (ProtectedError, RestrictedError) as error:
        used_by = sorted({o._meta.verbose_name_plural for o in error.args[1]})
        raise RecordInUse(
            _("It is still used by other records (%(kinds)s); change or delete those first.")
            % {"kinds": ", ".join(str(k) for k in used_by)}
        ) from None
