"""Customer accounts: companies in the CRM sense, not logins."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.models.marketing import Attributed


class Account(WorkspaceOwned, Attributed):
    external_id = models.CharField(_("external ID"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2, e.g. DE")
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    created_at = models.DateField(_("created"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                name="account_unique_ext",
                violation_error_message=_("An account with this external ID already exists."),
            ),
        ]
        indexes = [models.Index(fields=["workspace", "name"], name="account_ws_name")]

    def __str__(self) -> str:
        return self.name
