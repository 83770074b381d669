from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User, Workspace
from accounts.roles import ROLE_DESCRIPTIONS, Role


def _common_time_zones() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc")
    )
    return [(z, z.replace("_", " ")) for z in zones] + [("UTC", "UTC")]


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class SignupForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")
        labels = {"email": _("Email address"), "name": _("Your name")}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


class InvitationSignupForm(forms.Form):
    """Sign-up for an invited address: the email comes from the invitation, not the form."""

    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PercentOfOneField(forms.DecimalField):
    """A share from 0 to 1 (stored so), typed and shown in percent with the reader's decimal
    separator: 0.800 reads "80", "72,5" is stored as 0.725."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        outside = _("Enter a percentage from 0 to 100.")
        kwargs["error_messages"] = {
            "min_value": outside,
            "max_value": outside,
            "max_digits": outside,
            "max_whole_digits": outside,
            "max_decimal_places": _("Enter at most one decimal place, such as 72.5."),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(
            min_value=Decimal(0),
            max_value=Decimal(100),
            max_digits=4,
            decimal_places=1,
            localize=True,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
            value = (Decimal(str(value)) * 100).normalize()
            return value.quantize(Decimal(1)) if value == value.to_integral() else value
        return super().prepare_value(value)

    def clean(self, value: Any) -> Decimal | None:
        percent = super().clean(value)
        return None if percent is None else percent / 100


class WorkspaceForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=_common_time_zones, initial="Europe/Berlin"
    )
    gross_margin = PercentOfOneField(
        label=_("Gross margin (%)"),
        initial=Decimal("0.8"),
        help_text=_("Share of revenue left after the cost of serving it, from 0 to 100 %."),
    )

    class Meta:
        model = Workspace
        fields: tuple[str, ...] = ("name", "currency", "time_zone", "gross_margin", "language")


STAGE_LABELS = {
    "lead": _("Chance to win a deal in stage “Lead” (%)"),
    "qualified": _("… in stage “Qualified” (%)"),
    "demo": _("… in stage “Demo” (%)"),
    "proposal": _("… in stage “Proposal” (%)"),
    "negotiation": _("… in stage “Negotiation” (%)"),
}


class WorkspaceSettingsForm(WorkspaceForm):
    """The settings page: also the benchmark segment and the stage probabilities of the
    weighted pipeline, in percent."""

    class Meta(WorkspaceForm.Meta):
        fields = (
            *WorkspaceForm.Meta.fields,
            "benchmark_segment",
            "activation_days",
            "referral_channel",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a form sent without it (an older script): the stored value stays.
        self.fields["activation_days"].required = False
        stored = self.instance.stage_probabilities or {}
        for stage, label in STAGE_LABELS.items():
            self.fields[f"stage_{stage}"] = forms.DecimalField(
                label=label,
                required=False,  # empty: as it was
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=6,
                decimal_places=2,
                localize=True,
                initial=(Decimal(str(stored.get(stage, "0"))) * 100).normalize(),
                help_text=_("Weights open deals in the weighted pipeline.")
                if stage == "lead"
                else "",
            )

    def stage_probabilities(self) -> dict[str, str]:
        stored = dict(self.instance.stage_probabilities or {})
        for stage in STAGE_LABELS:
            percent = self.cleaned_data.get(f"stage_{stage}")
            if percent is not None:
                stored[stage] = str((percent / 100).normalize())
        return stored


class WorkspaceCreateForm(WorkspaceForm):
    slug = forms.SlugField(
        label=_("Address"),
        required=False,
        max_length=50,
        help_text=_(
            "Optional: lower-case letters, digits and hyphens, used in the workspace's web "
            "address. Empty: made from the name."
        ),
    )

    class Meta(WorkspaceForm.Meta):
        fields = ("name", "slug", "currency", "time_zone", "gross_margin", "language")

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        if slug and Workspace.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This address is taken. Please choose another."))
        return slug


def _assignable_roles(actor: Membership) -> list[tuple[str, str]]:
    roles = [Role.VIEWER, Role.EDITOR, Role.ADMIN]
    if actor.has_role(Role.OWNER):
        roles.append(Role.OWNER)
    return [(r.value, f"{r.label} – {ROLE_DESCRIPTIONS[r]}") for r in roles]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), initial=Role.VIEWER)

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = _assignable_roles(actor)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [(v, Role(v).label) for v, _label in _assignable_roles(actor)]
        cast(forms.ChoiceField, self.fields["role"]).choices = roles


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Data warehouse”."),
    )


class ConfirmSlugForm(forms.Form):
    confirm = forms.CharField(label=_("Type the workspace address to confirm"), max_length=50)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("name", "language")


# --- two-factor login ---------------------------------------------------------------------------


class CodeForm(forms.Form):
    """A code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=10,
        help_text=_("The six digits your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ConfirmIdentityForm(forms.Form):
    """Turning two-factor login off or replacing the recovery codes: the password or a code."""

    secret = forms.CharField(
        label=_("Your password or a confirmation code"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TwoFactorRequirementForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor login for every member"),
        required=False,
        help_text=_(
            "Members without it are asked to turn it on before they can open this workspace. "
            "API tokens keep working."
        ),
    )
