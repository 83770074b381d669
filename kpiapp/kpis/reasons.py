"""Why a KPI value is undefined: the engine stores these texts (English, stable, in snapshots
and the API); pages, reports and mails show them in the reader's language with
`reason_text()`. The texts are marked for translation here, in their one home."""

from __future__ import annotations

import re
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ZERO_DENOMINATOR = gettext_noop("the denominator is zero")
NO_START_CUSTOMERS = gettext_noop("no customers at the start of the period")
NO_START_MRR = gettext_noop("no MRR at the start of the period")
NO_CUSTOMERS = gettext_noop("no active customers at the end of the period")
NO_LOSSES = gettext_noop("no churned or contraction MRR in the period")
NO_CHURN = gettext_noop("no customer churn in the six months up to this one")
NO_COHORT_MRR = gettext_noop("the cohort had no MRR at the end of its first month")
NO_NEW = gettext_noop("no new customers in the period")
NO_SPEND = gettext_noop("no spend in the period")
NO_MARKETING = gettext_noop("no marketing spend in the period")
NO_NEW_ACTIVATABLE = gettext_noop(
    "no new customers in the period that were won at least the activation window ago"
)
NO_NEW_MRR = gettext_noop("no new MRR in the period")
NO_ORDERS = gettext_noop("no deals won in the period")
NO_LEADS = gettext_noop("no leads created in the period")
NO_VALUE = gettext_noop("no value entered for the period")
NO_ANSWERS = gettext_noop("no NPS answers in the period")
NO_SEATS = gettext_noop("no usage with seats from active accounts in the period's last month")
NO_USAGE = gettext_noop("no usage from active accounts in the period's last month")
NO_FIRST_VALUE = gettext_noop("no account reached its first value in the period")
NO_SQLS = gettext_noop("no leads created in the period were qualified")
NO_OPPORTUNITIES = gettext_noop("no leads created in the period became an opportunity")
NO_VISITS = gettext_noop("no visits recorded in the period")
NO_CLOSED = gettext_noop("no new or expansion deals closed in the period")
NO_WON = gettext_noop("no new or expansion deals won in the period")
NO_CYCLE = gettext_noop("no new or expansion deals with a created date won in the period")

_NO_RATE = re.compile(r"^no exchange rate for ([A-Z]{3}) (\d{4})-(\d{2})$")


def no_rate(currency: str, month: int) -> str:
    """A value that needs a missing rate (KPIS.md, Currencies): names the currency and month
    (a month index, year × 12 + month − 1)."""
    return f"no exchange rate for {currency} {month // 12:04d}-{month % 12 + 1:02d}"


def reason_text(reason: str) -> str:
    """A stored reason in the active language, months in words ("März 2025")."""
    found = _NO_RATE.match(reason)
    if found:
        month = date(int(found[2]), int(found[3]), 1)
        return _("no exchange rate for %(currency)s in %(month)s") % {
            "currency": found[1],
            "month": date_format(month, "F Y"),
        }
    return _(reason) if reason else ""
