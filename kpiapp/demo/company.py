"""The fake company: three years of a made-up but plausible German B2B SaaS company, for the
demo workspace and, larger, for the benchmarks.

Everything is drawn from one `random.Random(seed)` and dated from `as_of`, so the same seed,
as-of and size always give the same rows. The company is planned in memory first (leads and
their funnel, customers and their subscription histories), then handed to the writer one model
at a time, parents before children; the leads' and accounts' touchpoints come last
(`kpiapp.demo.journeys`). Nothing is dated after `as_of`. Money is in integer cents;
the company bills in EUR, a few US customers in USD.

`size` scales it: `DEMO` is the demo's company (about 7,000 leads and 300 accounts), `LARGE`
the benchmarks' (about 500,000 leads and 20,000 accounts, with more frequent plan changes).

Before the 36 months the company already had a few dozen customers (no leads or spend are kept
from that time), so MRR and churn rates are meaningful from the first month on.
"""

from __future__ import annotations

import functools
import random
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.demo.journeys import touchpoint_batches
from kpiapp.demo.writer import save as _save
from kpiapp.kpis.periods import add_months, days_in_month
from kpiapp.models import (
    Account,
    BillingInterval,
    Campaign,
    Channel,
    CustomKpi,
    CustomKpiValue,
    Deal,
    DealKind,
    DealStage,
    DealStageChange,
    ExchangeRate,
    Lead,
    NpsResponse,
    Spend,
    SpendCategory,
    Subscription,
    Touchpoint,
    Traffic,
    Usage,
)
from kpiapp.models.marketing import name_key

WINDOW_MONTHS = 36
DAILY_TRAFFIC_MONTHS = 3
HOME = "EUR"
FOREIGN = "USD"


@dataclass(frozen=True)
class Size:
    """How large a company to plan, relative to the demo's."""

    leads: float = 1.0  # lead volume; spend, traffic and the customers from before grow with it
    changes: float = 1.0  # how often customers upgrade or downgrade


DEMO = Size()
LARGE = Size(leads=69.0, changes=6.0)  # the benchmarks' ~20,000 accounts

# ---------------------------------------------------------------------------------------------
# The company's shape: channels, plans, people and words.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CampaignSpec:
    name: str
    weight: float = 1.0
    months: tuple[int, ...] = ()  # calendar months it runs in; empty: all year
    dated: bool = False  # name carries "{year}": runs only in its latest season up to as_of


@dataclass(frozen=True)
class _ChannelSpec:
    name: str
    share: float  # of all leads
    funnel: tuple[float, float, float]  # lead → SQL, SQL → opportunity, opportunity → won
    p_campaign: float  # share of its leads that name a campaign
    visits_per_lead: int
    cost_per_lead: int  # euros of marketing spend per expected lead
    campaigns: tuple[_CampaignSpec, ...]


CHANNELS: tuple[_ChannelSpec, ...] = (
    _ChannelSpec(
        "Inbound/Organic",
        0.34,
        (0.34, 0.41, 0.26),
        0.45,
        55,
        85,
        (
            _CampaignSpec("SEO-Ratgeber SaaS-Kennzahlen", 2),
            _CampaignSpec("Newsletter"),
            _CampaignSpec("Whitepaper Controlling 2.0"),
        ),
    ),
    _ChannelSpec(
        "Paid Ads",
        0.24,
        (0.27, 0.37, 0.22),
        0.85,
        40,
        190,
        (
            _CampaignSpec("Google Ads Brand", 2),
            _CampaignSpec("LinkedIn DACH", 2),
            _CampaignSpec("Frühjahrsaktion {year}", 3, (3, 4, 5), dated=True),
        ),
    ),
    _ChannelSpec(
        "Outbound",
        0.14,
        (0.40, 0.42, 0.23),
        0.7,
        4,
        150,
        (_CampaignSpec("Cold-Mail Mittelstand"), _CampaignSpec("SDR-Telefonkampagne")),
    ),
    _ChannelSpec(
        "Referral",
        0.08,
        (0.55, 0.55, 0.38),
        0.6,
        12,
        90,
        (_CampaignSpec("Kunden werben Kunden", 3), _CampaignSpec("Beraternetzwerk")),
    ),
    _ChannelSpec(
        "Partner",
        0.10,
        (0.48, 0.50, 0.32),
        0.8,
        18,
        120,
        (
            _CampaignSpec("DATEV Marktplatz"),
            _CampaignSpec("Systemhaus-Partnerprogramm", 2),
            _CampaignSpec("HubSpot App Marketplace"),
        ),
    ),
    _ChannelSpec(
        "Events",
        0.10,
        (0.30, 0.40, 0.24),
        0.9,
        8,
        260,
        (
            _CampaignSpec("DMEXCO", 4, (9, 10)),
            _CampaignSpec("SaaS-Gipfel München", 3, (5, 6)),
            _CampaignSpec("Webinar-Reihe Kennzahlen"),
        ),
    ),
)
LEGACY_CHANNELS = (0, 2, 3, 4)  # where the customers from before the window came from
LEGACY_CUSTOMERS = 38

BASE_LEADS = 100.0  # leads in the first month of the window, before seasonality
RUN_IN_MONTHS = 4  # leads start this early, so the pipeline is full when the window opens
LEAD_GROWTH = 1.035  # per month
SEASON = {1: 1.15, 2: 1.12, 3: 1.1, 4: 1.0, 5: 0.95, 6: 0.9}
SEASON |= {7: 0.75, 8: 0.68, 9: 1.1, 10: 1.2, 11: 1.18, 12: 0.8}
SALES_COST_PER_LEAD = 240  # euros: the sales team grows with the pipeline

PLANS = ("Starter", "Professional", "Enterprise")
SEAT_PRICE = {"Starter": 3900, "Professional": 6900, "Enterprise": 11900}  # cents per month
ANNUAL_MONTHS_PAID = 10  # yearly billing: two months free
SEATS = {"Starter": (5, 15), "Professional": (8, 25), "Enterprise": (18, 40)}
P_ANNUAL = {"Starter": 0.2, "Professional": 0.4, "Enterprise": 0.8}
P_DISCOUNT = {"Starter": 0.1, "Professional": 0.3, "Enterprise": 0.6}
DISCOUNTS = (5, 10, 10, 15, 20)
WIN_FACTOR = {"Starter": 1.1, "Professional": 1.0, "Enterprise": 0.8}
CYCLE_DAYS = {"Starter": (7, 35), "Professional": (20, 70), "Enterprise": (40, 120)}
SIZE_BANDS = ((10, 49), (50, 249), (250, 999), (1000, 5000))
SIZE_WEIGHTS = (40, 42, 13, 5)
PLAN_MIX = ((80, 20, 0), (40, 55, 5), (0, 60, 40), (0, 30, 70))  # per size band

CHURN_MONTHLY = {"Starter": 0.026, "Professional": 0.016, "Enterprise": 0.008}
CHURN_ANNUAL = {"Starter": 0.16, "Professional": 0.11, "Enterprise": 0.07}
P_UPGRADE = 0.022
P_DOWNGRADE = 0.006
P_EXPANSION_LOST = 0.006
P_REACTIVATE = 0.15
P_TRIAL = 0.3

REPS = (
    ("Julia Hoffmann", 0),
    ("Markus Wagner", 0),
    ("Sabine Schulz", 0),
    ("Stefan Klein", 8),
    ("Katharina Wolf", 16),
    ("Florian Neumann", 24),
)  # name, window month they joined


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


COUNTRIES = (("DE", 72), ("AT", 11), ("CH", 9), ("NL", 3), ("GB", 3), ("US", 4))
LEGAL_FORMS = {
    "DE": (("GmbH", 60), ("GmbH & Co. KG", 15), ("AG", 8), ("KG", 7), ("UG", 4), ("SE", 2)),
    "AT": (("GmbH", 70), ("AG", 10), ("KG", 10), ("OG", 10)),
    "CH": (("AG", 55), ("GmbH", 45)),
    "NL": (("B.V.", 1),),
    "GB": (("Ltd", 1),),
    "US": (("Inc.", 3), ("LLC", 1)),
}
SURNAMES = _words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Krause Meier Lehmann Huber Steiner Gruber Brunner Moser Keller Frei "
    "Baumann Vogel Brandt Lorenz Kühn Pohl Engel Seidel Winkler Haas Berger Frank Sommer"
)
BRANDS = _words(
    "Alpenblick Nordlicht Rheintal Isarwerk Elbtal Spreewerk Seeblick Donau Taunus Hanse "
    "Weserland Schwarzwald Bodensee Lindenhof Sonnenberg Adler Kranich Falkenstein Mainufer "
    "Eichenwald Bergwerk Kristall Blauwerk Lichtblick Neckar Ostsee Zugspitz Ahorn Tannenberg"
)
SECTORS = (
    ("Logistik", "Logistik"),
    ("Maschinenbau", "Maschinenbau"),
    ("Software", "Software"),
    ("Consulting", "Beratung"),
    ("Medien", "Medien"),
    ("Elektrotechnik", "Elektrotechnik"),
    ("Energie", "Energie"),
    ("Immobilien", "Immobilien"),
    ("Handel", "Großhandel"),
    ("Medizintechnik", "Gesundheitswesen"),
    ("Finanzpartner", "Finanzdienstleistungen"),
    ("Personalservice", "Personaldienstleistungen"),
    ("Verpackung", "Verpackung"),
    ("Automation", "Automatisierung"),
    ("Digital", "IT-Dienstleistungen"),
    ("Bau", "Bauwesen"),
    ("Feinkost", "Lebensmittel"),
    ("Fahrzeugtechnik", "Automotive"),
    ("Analytics", "Software"),
    ("Kommunikation", "Marketing & Agenturen"),
    ("Akademie", "Bildung"),
    ("Versicherungsmakler", "Versicherungen"),
    ("Reisen", "Tourismus"),
    ("Labortechnik", "Pharma & Labor"),
)
REGIONS = _words("Nord Süd West Ost Rhein-Main Bayern Sachsen Ruhr Franken Pfalz")
INTL_REGIONS = _words("Group Partners International Holding Solutions Labs Europe")
INTL_PREFIXES = {
    "NL": _words("Van Dijk,De Vries,Bakker,Jansen,Visser,Smit,Mulder,Oranje,Delta", ","),
    "GB": _words("Thornbury,Ashford,Kingsley,Harbour,Redwood,Whitfield,Clearwater", ","),
    "US": _words("Northwind,Bluepeak,Brightline,Ironbridge,Summit,Oakfield,Silverline", ","),
}
INTL_SECTORS = (
    ("Analytics", "Software"),
    ("Logistics", "Logistik"),
    ("Software", "Software"),
    ("Consulting", "Beratung"),
    ("Media", "Medien"),
    ("Systems", "IT-Dienstleistungen"),
    ("Health", "Gesundheitswesen"),
)
TLD = {"DE": "de", "AT": "at", "CH": "ch", "NL": "nl", "GB": "co.uk", "US": "com"}
FIRST_NAMES = _words(
    "Anna Lukas Laura Felix Lea Jonas Marie Paul Sophie Leon Julia Max Sarah Tim Lisa Jan "
    "Hannah Niklas Katrin Thomas Sandra Michael Petra Andreas Claudia Daniel Nina Tobias"
)

LOST_REASONS = (
    ("Preis zu hoch", 30),
    ("Wettbewerber gewählt", 25),
    ("Kein Budget", 15),
    ("Timing – später wieder melden", 12),
    ("Funktionsumfang reicht nicht", 10),
    ("Keine Rückmeldung mehr", 8),
)
EXPANSION_LOST_REASONS = (("Kein Budget", 2), ("Später im Jahr", 2), ("Kein Bedarf", 1))
CHURN_REASONS = (
    ("Zu teuer", 25),
    ("Wechsel zu Wettbewerber", 20),
    ("Geringe Nutzung", 18),
    ("Budgetkürzung", 15),
    ("Fehlende Funktionen", 12),
    ("Projekt eingestellt", 5),
    ("Insolvenz", 3),
    ("Übernahme durch anderes Unternehmen", 2),
)
NPS_COMMENTS = {
    "promoter": (
        "Super Übersicht über unsere Kennzahlen, spart uns jede Woche Stunden.",
        "Sehr guter Support, schnelle und kompetente Antworten.",
        "Das MRR-Dashboard nutzen wir in jedem Board-Meeting.",
        "Endlich eine Lösung, die auch unser Controlling versteht.",
        "Einfache Einrichtung, klare Auswertungen. Gerne weiter so!",
    ),
    "passive": (
        "Gutes Tool, aber der Export nach Excel könnte besser sein.",
        "Solide, uns fehlen noch ein paar Integrationen.",
        "Preis-Leistung passt, die Bedienung ist teilweise umständlich.",
        "Die Berichte laden manchmal etwas langsam.",
    ),
    "detractor": (
        "Zu teuer für unseren Nutzungsumfang.",
        "Der Import unserer Daten war mühsam.",
        "Der Support hat lange nicht reagiert.",
        "Uns fehlen wichtige Funktionen für die Kostenstellenrechnung.",
        "Die Zahlen stimmten nach dem Import nicht mit der Buchhaltung überein.",
    ),
}
OPEN_STAGES = (
    DealStage.LEAD,
    DealStage.QUALIFIED,
    DealStage.DEMO,
    DealStage.PROPOSAL,
    DealStage.NEGOTIATION,
)

# ---------------------------------------------------------------------------------------------
# In-memory plan.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Camp:
    name: str
    channel: int
    weight: float
    months: tuple[int, ...]
    year: int  # 0: every year
    obj: Campaign | None = None

    def runs_in(self, month: date) -> bool:
        in_season = not self.months or month.month in self.months
        return in_season and self.year in (0, month.year)


@dataclass
class _Ctx:
    rng: random.Random
    as_of: date
    months: list[date]  # the window's first-of-month dates, oldest first
    channels: list[Channel] = field(default_factory=list)
    campaigns: list[_Camp] = field(default_factory=list)
    used_names: set[str] = field(default_factory=set)
    size: Size = DEMO

    def pick(self, weighted: Sequence[tuple[Any, float]]) -> Any:
        values = [value for value, _ in weighted]
        return self.rng.choices(values, weights=[weight for _, weight in weighted])[0]

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))


@dataclass(frozen=True)
class _Company:
    name: str
    domain: str
    country: str
    industry: str
    employees: int

    @property
    def currency(self) -> str:
        return FOREIGN if self.country == "US" else HOME


@dataclass
class _Row:
    """One subscription row: a price, plan and quantity for a stretch of time."""

    plan: str
    interval: str
    seats: int
    discount: int
    currency: str
    started: date
    trial_end: date | None = None
    ended: date | None = None
    cancelled: date | None = None
    reason: str = ""

    @property
    def unit_amount(self) -> int:
        price = SEAT_PRICE[self.plan]
        return price * ANNUAL_MONTHS_PAID if self.interval == BillingInterval.YEAR else price

    @property
    def acv(self) -> int:
        """Annual value after discount, in cents."""
        per_year = 1 if self.interval == BillingInterval.YEAR else 12
        return round(self.unit_amount * per_year * self.seats * (100 - self.discount) / 100)

    def paying_on(self, day: date) -> bool:
        started = self.trial_end or self.started
        return started <= day and (self.ended is None or day < self.ended)


@dataclass
class _LeadPlan:
    created: date
    channel: int
    campaign: _Camp | None
    company: _Company
    contact: str
    qualified: date | None = None
    opportunity: date | None = None
    close: date | None = None  # planned; after as_of the deal is still open
    won: bool = False
    quote: _Row | None = None
    services: int = 0
    owner: str = ""
    customer: _Customer | None = None
    obj: Lead | None = None


@dataclass
class _DealPlan:
    kind: str
    name: str
    owner: str
    currency: str
    created: date
    close: date  # planned; after as_of the deal is still open
    won: bool
    amount: int
    services: int = 0
    lost_reason: str = ""
    lead: _LeadPlan | None = None
    customer: _Customer | None = None


@dataclass
class _Customer:
    company: _Company
    channel: int | None
    campaign: _Camp | None
    created: date
    owner: str
    risk: float  # multiplies churn, lowers usage and NPS
    subs: list[list[_Row]] = field(default_factory=list)
    deals: list[_DealPlan] = field(default_factory=list)
    obj: Account | None = None

    @property
    def rows(self) -> list[_Row]:
        return [row for sub in self.subs for row in sub]

    def paying_on(self, day: date) -> bool:
        return any(row.paying_on(day) for row in self.rows)


# ---------------------------------------------------------------------------------------------
# Entry point.
# ---------------------------------------------------------------------------------------------


def demo_data_generate(
    *, workspace: Workspace, seed: int, as_of: date, size: Size = DEMO
) -> dict[str, int]:
    """Fill `workspace` with a realistic B2B SaaS company over the 36 months up to `as_of`;
    returns row counts per model name."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    ctx = _Ctx(rng=rng, as_of=as_of, months=_window(as_of), size=size)
    with transaction.atomic(), workspace_scope(workspace.id):
        counts = _write_channels(ctx)
        leads = _plan_leads(ctx)
        customers = _plan_customers(ctx, leads)
        counts[Account.__name__] = _save(Account, _account_objs(ctx, customers))
        counts[Lead.__name__] = _save(Lead, _lead_objs(ctx, leads))
        plans = _deal_plans(ctx, leads, customers)
        deals = [_deal_obj(ctx, plan, number) for number, plan in enumerate(plans, start=1)]
        counts[Deal.__name__] = _save(Deal, deals)
        changes = _stage_change_objs(ctx, plans, deals, workspace.time_zone)
        counts[DealStageChange.__name__] = _save(DealStageChange, changes)
        counts[Subscription.__name__] = _save(Subscription, _subscription_objs(customers))
        counts[Usage.__name__] = _save(Usage, _usage_objs(ctx, customers))
        counts[NpsResponse.__name__] = _save(NpsResponse, _nps_objs(ctx, customers))
        counts[Traffic.__name__] = _save(Traffic, _traffic_objs(ctx))
        counts[Spend.__name__] = _save(Spend, _spend_objs(ctx))
        counts[ExchangeRate.__name__] = _save(ExchangeRate, _fx_objs(ctx))
        counts[CustomKpiValue.__name__] = _custom_kpis(ctx, workspace)
        # Last, from a generator of their own: the rows above are the same with or without them.
        batches = touchpoint_batches(ctx, seed, leads, customers)
        counts[Touchpoint.__name__] = sum(_save(Touchpoint, batch) for batch in batches)
    return counts


# ---------------------------------------------------------------------------------------------
# Dates.
# ---------------------------------------------------------------------------------------------


def _window(as_of: date) -> list[date]:
    last = as_of.replace(day=1)
    return [add_months(last, offset) for offset in range(1 - WINDOW_MONTHS, 1)]


def _month_days(ctx: _Ctx, month: date) -> list[date]:
    """The month's days up to as_of."""
    days = (month + timedelta(days=offset) for offset in range(days_in_month(month)))
    return [day for day in days if day <= ctx.as_of]


def _elapsed(ctx: _Ctx, month: date) -> float:
    return len(_month_days(ctx, month)) / days_in_month(month)


def _day_weight(day: date) -> float:
    weight = (1.0, 1.0, 1.0, 1.0, 0.9, 0.3, 0.25)[day.weekday()]
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2):
        weight *= 0.25
    return weight


def _cap(ctx: _Ctx, day: date) -> date | None:
    return day if day <= ctx.as_of else None


def _owner(ctx: _Ctx, day: date) -> str:
    names = [name for name, joined in REPS if day >= ctx.months[joined]]
    return ctx.rng.choice(names or [name for name, joined in REPS if joined == 0])


# ---------------------------------------------------------------------------------------------
# Channels and campaigns.
# ---------------------------------------------------------------------------------------------


def _write_channels(ctx: _Ctx) -> dict[str, int]:
    ctx.channels = [Channel(name=spec.name, key=name_key(spec.name)) for spec in CHANNELS]
    count = _save(Channel, ctx.channels)
    spring = ctx.as_of.year if ctx.as_of.month >= 3 else ctx.as_of.year - 1
    for index, spec in enumerate(CHANNELS):
        for cspec in spec.campaigns:
            name = cspec.name.format(year=spring)
            year = spring if cspec.dated else 0
            camp = _Camp(name, index, cspec.weight, cspec.months, year)
            camp.obj = Campaign(channel=ctx.channels[index], name=name, key=name_key(name))
            ctx.campaigns.append(camp)
    return {
        Channel.__name__: count,
        Campaign.__name__: _save(Campaign, [camp.obj for camp in ctx.campaigns]),
    }


def _running(ctx: _Ctx, channel: int, month: date) -> list[_Camp]:
    return [c for c in ctx.campaigns if c.channel == channel and c.runs_in(month)]


def _pick_campaign(ctx: _Ctx, channel: int, day: date) -> _Camp | None:
    running = _running(ctx, channel, day.replace(day=1))
    if not running or ctx.rng.random() >= CHANNELS[channel].p_campaign:
        return None
    return ctx.pick([(camp, camp.weight) for camp in running])


# ---------------------------------------------------------------------------------------------
# Companies and people.
# ---------------------------------------------------------------------------------------------


@functools.cache  # the same few thousand stems and names come back in a large company
def _slug(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.lower().replace(umlaut, plain)
    words = ["".join(ch for ch in word if ch.isalnum()) for word in text.split()]
    return "-".join(word for word in words if word)


def _dach_name(ctx: _Ctx) -> tuple[str, str]:
    rng = ctx.rng
    roll = rng.random()
    if roll < 0.7:
        sector, industry = rng.choice(SECTORS)
        return f"{rng.choice(SURNAMES + BRANDS)} {sector}", industry
    first, second = rng.sample(SURNAMES, 2)
    if roll < 0.88:
        return f"{first} & {second}", rng.choice(SECTORS)[1]
    return f"{first} & Partner", rng.choice(("Beratung", "Steuerberatung", "Rechtsberatung"))


def _company_name(ctx: _Ctx, country: str) -> tuple[str, str, str]:
    """A name not used yet, with its stem (the name without legal form) and industry."""
    rng = ctx.rng
    large = ctx.size.leads > 1  # more companies than names: a few tries, then a number
    for attempt in range(4 if large else 1000):
        if country in INTL_PREFIXES:
            sector, industry = rng.choice(INTL_SECTORS)
            stem = f"{rng.choice(INTL_PREFIXES[country])} {sector}"
        else:
            stem, industry = _dach_name(ctx)
        if attempt >= (2 if large else 20):
            stem = f"{stem} {rng.choice(INTL_REGIONS if country in INTL_PREFIXES else REGIONS)}"
        legal = ctx.pick(LEGAL_FORMS[country])
        name = f"{stem} {legal}"
        if name not in ctx.used_names:
            break
    if large and name in ctx.used_names:
        name = f"{stem} {len(ctx.used_names)} {legal}"
    ctx.used_names.add(name)
    return name, stem, industry


def _company(ctx: _Ctx, countries: Sequence[tuple[str, float]] = COUNTRIES) -> _Company:
    country = ctx.pick(countries)
    name, stem, industry = _company_name(ctx, country)
    low, high = ctx.rng.choices(SIZE_BANDS, weights=SIZE_WEIGHTS)[0]
    domain = f"{_slug(stem)}.{TLD[country]}"
    return _Company(name, domain, country, industry, ctx.rng.randint(low, high))


def _contact(ctx: _Ctx, company: _Company) -> str:
    if ctx.rng.random() < 0.3:
        return company.name
    first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(SURNAMES)
    return f"{_slug(first)[0]}.{_slug(last)}@{company.domain}"


def _quote(ctx: _Ctx, company: _Company) -> _Row:
    """What sales offers this company: a plan, billing interval, seats and discount."""
    rng = ctx.rng
    band = next(i for i, (_, high) in enumerate(SIZE_BANDS) if company.employees <= high)
    plan = rng.choices(PLANS, weights=PLAN_MIX[band])[0]
    low, high = SEATS[plan]
    seats = min(rng.randint(low, high), max(5, company.employees // 2))
    interval = BillingInterval.YEAR if rng.random() < P_ANNUAL[plan] else BillingInterval.MONTH
    discount = rng.choice(DISCOUNTS) if rng.random() < P_DISCOUNT[plan] else 0
    return _Row(plan, interval, seats, discount, company.currency, started=ctx.as_of)


def _services(ctx: _Ctx, plan: str) -> int:
    chance, low, high = {
        "Starter": (0.1, 5, 15),
        "Professional": (0.4, 20, 80),
        "Enterprise": (0.8, 80, 250),
    }[plan]
    return ctx.rng.randint(low, high) * 10_000 if ctx.rng.random() < chance else 0


# ---------------------------------------------------------------------------------------------
# Leads and their funnel.
# ---------------------------------------------------------------------------------------------


def _lead_volume(ctx: _Ctx, index: int) -> float:
    """Expected leads of a whole month (all channels); index 0 is the window's first month."""
    month = add_months(ctx.months[0], index)
    return BASE_LEADS * LEAD_GROWTH**index * SEASON[month.month] * ctx.size.leads


def _plan_leads(ctx: _Ctx) -> list[_LeadPlan]:
    leads = []
    shares = [spec.share for spec in CHANNELS]
    for index in range(-RUN_IN_MONTHS, len(ctx.months)):
        month = add_months(ctx.months[0], index)
        days = _month_days(ctx, month)
        weights = [_day_weight(day) for day in days]
        expected = _lead_volume(ctx, index) * _elapsed(ctx, month)
        for _ in range(round(expected * ctx.rng.gauss(1, 0.05))):
            created = ctx.rng.choices(days, weights=weights)[0]
            channel = ctx.rng.choices(range(len(CHANNELS)), weights=shares)[0]
            leads.append(_plan_lead(ctx, created, channel))
    leads.sort(key=lambda lead: lead.created)
    return leads


def _plan_lead(ctx: _Ctx, created: date, channel: int) -> _LeadPlan:
    company = _company(ctx)
    lead = _LeadPlan(
        created, channel, _pick_campaign(ctx, channel, created), company, _contact(ctx, company)
    )
    _advance(ctx, lead)
    return lead


def _advance(ctx: _Ctx, lead: _LeadPlan) -> None:
    """Walk the lead down the funnel; steps after as_of have not happened yet."""
    rng = ctx.rng
    p_sql, p_opportunity, p_win = CHANNELS[lead.channel].funnel
    if rng.random() >= p_sql:
        return
    lead.qualified = _cap(ctx, lead.created + ctx.days(1, 14))
    if lead.qualified is None or rng.random() >= p_opportunity:
        return
    lead.opportunity = _cap(ctx, lead.qualified + ctx.days(2, 21))
    if lead.opportunity is None:
        return
    quote = lead.quote = _quote(ctx, lead.company)
    lead.services = _services(ctx, quote.plan)
    lead.owner = _owner(ctx, lead.opportunity)
    lead.won = rng.random() < p_win * WIN_FACTOR[quote.plan]
    lead.close = lead.opportunity + ctx.days(*CYCLE_DAYS[quote.plan])


def _converted_at(ctx: _Ctx, lead: _LeadPlan) -> date | None:
    return lead.close if lead.won and lead.close and lead.close <= ctx.as_of else None


# ---------------------------------------------------------------------------------------------
# Customers and their subscriptions.
# ---------------------------------------------------------------------------------------------


def _risk(ctx: _Ctx) -> float:
    return min(3.0, max(0.3, ctx.rng.lognormvariate(0, 0.45)))


def _plan_customers(ctx: _Ctx, leads: list[_LeadPlan]) -> list[_Customer]:
    legacy = round(LEGACY_CUSTOMERS * ctx.size.leads)
    customers = [_legacy_customer(ctx) for _ in range(legacy)]
    for lead in leads:
        converted = _converted_at(ctx, lead)
        if converted is not None and lead.quote is not None:
            customers.append(_lead_customer(ctx, lead, lead.quote, converted))
    customers.sort(key=lambda customer: customer.rows[0].started)
    for customer in customers:
        _maybe_reactivate(ctx, customer)
    return customers


def _legacy_customer(ctx: _Ctx) -> _Customer:
    """A customer won before the window: no lead or spend is kept from that time."""
    company = _company(ctx, COUNTRIES[:3])
    start = ctx.months[0] - ctx.days(20, 480)
    channel = ctx.rng.choice(LEGACY_CHANNELS)
    owner = ctx.rng.choice([name for name, joined in REPS if joined == 0])
    customer = _Customer(company, channel, None, start - ctx.days(30, 120), owner, _risk(ctx))
    quote = _quote(ctx, company)
    created = max(customer.created, start - ctx.days(20, 90))
    deal = _DealPlan(
        DealKind.NEW, f"{company.name} – {quote.plan}", owner, company.currency, created, start,
        True, replace(quote, started=start).acv, _services(ctx, quote.plan), customer=customer,
    )  # fmt: skip
    customer.deals.append(deal)
    _subscribe(ctx, customer, replace(quote, started=start))
    return customer


def _lead_customer(ctx: _Ctx, lead: _LeadPlan, quote: _Row, converted: date) -> _Customer:
    customer = _Customer(
        lead.company, lead.channel, lead.campaign, lead.created, lead.owner, _risk(ctx)
    )
    lead.customer = customer
    start = min(converted + ctx.days(0, 10), ctx.as_of)
    first = replace(quote, started=start)
    trial_possible = first.interval == BillingInterval.MONTH and first.plan != "Enterprise"
    if trial_possible and ctx.rng.random() < P_TRIAL:
        first = replace(first, started=start - timedelta(days=14), trial_end=start)
    _subscribe(ctx, customer, first)
    return customer


def _subscribe(ctx: _Ctx, customer: _Customer, first: _Row) -> None:
    """Live through one subscription month by month, up to as_of."""
    rows = [first]
    customer.subs.append(rows)
    paid_from = first.trial_end or first.started
    k = 1
    while rows[-1].ended is None:
        anchor = add_months(paid_from, k)
        if anchor > ctx.as_of:
            _upcoming_renewal(ctx, customer, rows[-1], paid_from, k)
            break
        _month_step(ctx, customer, rows, anchor, k)
        k += 1


def _month_step(ctx: _Ctx, customer: _Customer, rows: list[_Row], anchor: date, k: int) -> None:
    row = rows[-1]
    annual = row.interval == BillingInterval.YEAR
    renewal_due = annual and k % 12 == 0
    if _churns(ctx, customer, row, k, renewal_due):
        _churn(ctx, customer, row, anchor, renewal_due)
        return
    if renewal_due:
        _renewal(ctx, customer, row, anchor, won=True)
    change = _change(ctx, customer, row, anchor)
    if change is not None:
        row.ended = change.started
        rows.append(change)
    elif ctx.rng.random() < P_EXPANSION_LOST:
        _expansion_attempt(ctx, customer, row, anchor)


def _churns(ctx: _Ctx, customer: _Customer, row: _Row, k: int, renewal_due: bool) -> bool:
    if row.interval == BillingInterval.YEAR:
        chance = CHURN_ANNUAL[row.plan] if renewal_due else 0.0
    else:
        chance = CHURN_MONTHLY[row.plan] * (1.4 if k <= 3 else 1.0)
    return ctx.rng.random() < chance * customer.risk


def _churn(ctx: _Ctx, customer: _Customer, row: _Row, anchor: date, renewal_due: bool) -> None:
    notice = ctx.days(30, 90) if renewal_due else ctx.days(14, 45)
    row.ended = anchor
    row.cancelled = max(row.started, anchor - notice)
    row.reason = ctx.pick(CHURN_REASONS)
    if renewal_due:
        _renewal(ctx, customer, row, anchor, won=False)


def _renewal(ctx: _Ctx, customer: _Customer, row: _Row, anchor: date, *, won: bool) -> None:
    created = max(row.started, anchor - ctx.days(60, 90))
    close = row.cancelled if not won and row.cancelled else anchor - ctx.days(0, 25)
    customer.deals.append(
        _DealPlan(
            DealKind.RENEWAL, f"{customer.company.name} – Verlängerung {anchor.year}",
            customer.owner, row.currency, created, max(created, close), won, row.acv,
            lost_reason="" if won else row.reason, customer=customer,
        )
    )  # fmt: skip


def _upcoming_renewal(ctx: _Ctx, customer: _Customer, row: _Row, paid_from: date, k: int) -> None:
    """An annual contract renewing soon after as_of already has an open renewal deal."""
    if row.interval != BillingInterval.YEAR:
        return
    anniversary = add_months(paid_from, -(-k // 12) * 12)
    created = max(row.started, anniversary - timedelta(days=75))
    if created <= ctx.as_of:
        customer.deals.append(
            _DealPlan(
                DealKind.RENEWAL, f"{customer.company.name} – Verlängerung {anniversary.year}",
                customer.owner, row.currency, created, anniversary - timedelta(days=5), True,
                row.acv, customer=customer,
            )
        )  # fmt: skip


def _upgraded(ctx: _Ctx, row: _Row) -> _Row:
    if row.plan != "Enterprise" and ctx.rng.random() < 0.3:
        return replace(row, plan=PLANS[PLANS.index(row.plan) + 1])
    return replace(row, seats=max(row.seats + 1, round(row.seats * ctx.rng.uniform(1.1, 1.5))))


def _downgraded(ctx: _Ctx, row: _Row) -> _Row:
    if row.plan != "Starter" and ctx.rng.random() < 0.25:
        return replace(row, plan=PLANS[PLANS.index(row.plan) - 1])
    return replace(row, seats=max(1, round(row.seats * ctx.rng.uniform(0.6, 0.9))))


def _change(ctx: _Ctx, customer: _Customer, row: _Row, anchor: date) -> _Row | None:
    """Maybe an upgrade or downgrade in the month before `anchor`: a new row from that day."""
    roll = ctx.rng.random()
    p_up = P_UPGRADE / customer.risk * ctx.size.changes
    if roll < p_up:
        new = _upgraded(ctx, row)
    elif roll < p_up + P_DOWNGRADE * customer.risk * ctx.size.changes:
        new = _downgraded(ctx, row)
    else:
        return None
    day = anchor - ctx.days(0, 20)
    if day <= row.started or new.acv == row.acv:
        return None
    new = replace(new, started=day, trial_end=None)
    if new.acv > row.acv:
        created = max(row.started, day - ctx.days(10, 45))
        close = max(created, day - ctx.days(0, 5))
        customer.deals.append(_expansion_deal(customer, new, created, close, new.acv - row.acv))
    return new


def _expansion_deal(
    customer: _Customer, row: _Row, created: date, close: date, amount: int, reason: str = ""
) -> _DealPlan:
    return _DealPlan(
        DealKind.EXPANSION, f"{customer.company.name} – Erweiterung {row.plan}", customer.owner,
        row.currency, created, close, not reason, amount, lost_reason=reason, customer=customer,
    )  # fmt: skip


def _expansion_attempt(ctx: _Ctx, customer: _Customer, row: _Row, anchor: date) -> None:
    """An upsell that did not (or not yet) happen: lost, or still open after as_of."""
    created = max(row.started, anchor - ctx.days(0, 25))
    amount = _upgraded(ctx, row).acv - row.acv
    reason = ctx.pick(EXPANSION_LOST_REASONS)
    deal = _expansion_deal(customer, row, created, created + ctx.days(14, 60), amount, reason)
    customer.deals.append(deal)


def _maybe_reactivate(ctx: _Ctx, customer: _Customer) -> None:
    """Some churned customers come back months later, on a new subscription."""
    last = customer.subs[-1][-1]
    if last.ended is None or ctx.rng.random() >= P_REACTIVATE:
        return
    restart = last.ended + ctx.days(45, 300)
    if restart > ctx.as_of:
        return
    plan = ctx.rng.choice(("Starter", last.plan))
    seats = max(1, round(last.seats * ctx.rng.uniform(0.6, 1.0)))
    row = _Row(plan, BillingInterval.MONTH, seats, 0, last.currency, started=restart)
    _subscribe(ctx, customer, row)


# ---------------------------------------------------------------------------------------------
# Rows: accounts, leads, deals, subscriptions.
# ---------------------------------------------------------------------------------------------


def _campaign_obj(camp: _Camp | None) -> Campaign | None:
    return camp.obj if camp is not None else None


def _account_objs(ctx: _Ctx, customers: list[_Customer]) -> list[Account]:
    for number, customer in enumerate(customers, start=1):
        company = customer.company
        customer.obj = Account(
            external_id=f"K-{number:05d}",
            name=company.name,
            country=company.country,
            industry=company.industry,
            employees=company.employees,
            channel=ctx.channels[customer.channel] if customer.channel is not None else None,
            campaign=_campaign_obj(customer.campaign),
            created_at=customer.created,
        )
    return [customer.obj for customer in customers if customer.obj is not None]


def _lead_objs(ctx: _Ctx, leads: list[_LeadPlan]) -> list[Lead]:
    objs = []
    for number, lead in enumerate(leads, start=1):
        lead.obj = Lead(
            external_id=f"L-{number:06d}",
            email_or_company=lead.contact,
            channel=ctx.channels[lead.channel],
            campaign=_campaign_obj(lead.campaign),
            created_at=lead.created,
            qualified_at=lead.qualified,
            opportunity_at=lead.opportunity,
            converted_at=_converted_at(ctx, lead),
            account=lead.customer.obj if lead.customer else None,
        )
        objs.append(lead.obj)
    return objs


def _new_deal(ctx: _Ctx, lead: _LeadPlan) -> _DealPlan | None:
    """The deal opened with the lead's opportunity, if it got that far."""
    quote, opened, close = lead.quote, lead.opportunity, lead.close
    if quote is None or opened is None or close is None:
        return None
    return _DealPlan(
        DealKind.NEW, f"{lead.company.name} – {quote.plan}", lead.owner, lead.company.currency,
        opened, close, lead.won, quote.acv, lead.services,
        "" if lead.won else ctx.pick(LOST_REASONS), lead, lead.customer,
    )  # fmt: skip


def _deal_plans(ctx: _Ctx, leads: list[_LeadPlan], customers: list[_Customer]) -> list[_DealPlan]:
    plans = [plan for plan in (_new_deal(ctx, lead) for lead in leads) if plan is not None]
    plans += [deal for customer in customers for deal in customer.deals]
    plans = [plan for plan in plans if plan.created <= ctx.as_of]
    plans.sort(key=lambda plan: plan.created)
    return plans


def _stage_change_objs(
    ctx: _Ctx, plans: list[_DealPlan], deals: list[Deal], time_zone: str
) -> list[DealStageChange]:
    """Each deal's way through the stages: created in its first stage, then a step at even
    intervals towards its planned close, then won or lost. No random draws, so the rest of
    the data stays as it was for a seed."""
    zone = zoneinfo.ZoneInfo(time_zone)
    objs = []
    last_open = len(OPEN_STAGES) - 1
    for number, (plan, deal) in enumerate(zip(plans, deals, strict=True)):
        first = OPEN_STAGES.index(DealStage.PROPOSAL) if plan.kind == DealKind.RENEWAL else 0
        if deal.stage in OPEN_STAGES:
            last = OPEN_STAGES.index(deal.stage)
        elif deal.stage == DealStage.LOST:
            last = max(first, number % len(OPEN_STAGES))  # lost somewhere along the way
        else:
            last = last_open
        span = max(1, (plan.close - plan.created).days)
        path: list[tuple[date, str, str]] = [(plan.created, "", OPEN_STAGES[first])]
        for step in range(first + 1, max(first, last) + 1):
            day = plan.created + timedelta(days=span * step // len(OPEN_STAGES))
            path.append((min(day, ctx.as_of), OPEN_STAGES[step - 1], OPEN_STAGES[step]))
        if deal.closed_at:
            path.append((deal.closed_at, path[-1][2], deal.stage))
        objs += [
            DealStageChange(
                deal=deal,
                changed_at=datetime.combine(day, time(10), zone),
                from_stage=from_stage,
                to_stage=to_stage,
            )
            for day, from_stage, to_stage in path
        ]
    return objs


def _stage(ctx: _Ctx, plan: _DealPlan) -> tuple[str, int | None]:
    """Stage and amount as of as_of; an open deal is as far along as its time suggests."""
    if plan.close <= ctx.as_of:
        return (DealStage.WON if plan.won else DealStage.LOST), plan.amount
    progress = (ctx.as_of - plan.created).days / max(1, (plan.close - plan.created).days)
    step = min(len(OPEN_STAGES) - 1, int(progress * len(OPEN_STAGES)))
    if plan.kind == DealKind.RENEWAL:
        step = max(step, OPEN_STAGES.index(DealStage.PROPOSAL))  # the offer goes out first
    if step == 0 and ctx.rng.random() < 0.3:
        return OPEN_STAGES[step], None  # not quoted yet
    return OPEN_STAGES[step], plan.amount


def _deal_obj(ctx: _Ctx, plan: _DealPlan, number: int) -> Deal:
    stage, amount = _stage(ctx, plan)
    lead = plan.lead
    return Deal(
        external_id=f"D-{number:05d}",
        account=plan.customer.obj if plan.customer else None,
        lead=lead.obj if lead else None,
        name=plan.name,
        owner=plan.owner,
        channel=ctx.channels[lead.channel] if lead else None,
        campaign=_campaign_obj(lead.campaign) if lead else None,
        stage=stage,
        kind=plan.kind,
        amount_cents=amount,
        services_amount_cents=plan.services or None,
        currency=plan.currency,
        created_at=plan.created,
        expected_close_at=plan.close if plan.close > ctx.as_of else None,
        closed_at=plan.close if plan.close <= ctx.as_of else None,
        lost_reason=plan.lost_reason if stage == DealStage.LOST else "",
    )


def _subscription_objs(customers: list[_Customer]) -> list[Subscription]:
    objs = []
    subs = [(customer, sub) for customer in customers for sub in customer.subs]
    for number, (customer, sub) in enumerate(subs, start=1):
        objs += [_subscription_obj(customer, row, f"SUB-{number:05d}") for row in sub]
    return objs


def _subscription_obj(customer: _Customer, row: _Row, external_id: str) -> Subscription:
    return Subscription(
        account=customer.obj,
        plan=row.plan,
        interval=row.interval,
        quantity=row.seats,
        discount_percent=Decimal(row.discount),
        amount_cents=row.unit_amount,
        currency=row.currency,
        external_id=external_id,
        started_at=row.started,
        trial_ends_at=row.trial_end,
        ended_at=row.ended,
        cancelled_at=row.cancelled,
        churn_reason=row.reason,
    )


# ---------------------------------------------------------------------------------------------
# Rows: usage and NPS.
# ---------------------------------------------------------------------------------------------


def _row_in_month(rows: list[_Row], month: date, month_end: date) -> _Row | None:
    """The latest row serving (trial included) on some day of the month."""
    serving = [r for r in rows if r.started <= month_end and (r.ended is None or r.ended > month)]
    return max(serving, key=lambda row: row.started, default=None)


def _usage_objs(ctx: _Ctx, customers: list[_Customer]) -> list[Usage]:
    objs = []
    for customer in customers:
        rows = customer.rows
        first_start = min(row.started for row in rows)
        mine = []
        for month in ctx.months:
            row = _row_in_month(
                rows, month, min(ctx.as_of, month + timedelta(days_in_month(month) - 1))
            )
            if row is not None:
                age = (month - first_start.replace(day=1)).days // 30
                mine.append(_usage(ctx, customer, row, month, age))
        if mine:
            mine[0].first_value_at = _cap(ctx, first_start + ctx.days(2, 40))
        objs += mine
    return objs


def _usage(ctx: _Ctx, customer: _Customer, row: _Row, month: date, age: int) -> Usage:
    rng = ctx.rng
    util = min(1.0, max(0.2, 0.92 - 0.18 * customer.risk + rng.gauss(0, 0.06)))
    util *= (0.55, 0.8)[age] if age < 2 else 1.0
    if row.cancelled is not None and row.ended is not None and (row.ended - month).days <= 62:
        util *= 0.7  # leaving soon
    active = max(1, min(row.seats, round(row.seats * util)))
    return Usage(
        account=customer.obj,
        month=month,
        seats=row.seats,
        active_users=active,
        key_actions=active * rng.randint(8, 30),
    )


def _nps_objs(ctx: _Ctx, customers: list[_Customer]) -> list[NpsResponse]:
    """A survey in the middle month of each quarter; about a third of paying customers answer."""
    objs: list[NpsResponse] = []
    for month in ctx.months:
        if month.month % 3 != 2:
            continue
        for customer in customers:
            day = month + ctx.days(0, 26)
            if day <= ctx.as_of and customer.paying_on(day) and ctx.rng.random() < 0.3:
                objs.append(_nps(ctx, customer, day, len(objs) + 1))
    return objs


def _nps(ctx: _Ctx, customer: _Customer, day: date, number: int) -> NpsResponse:
    rng = ctx.rng
    p_detractor = min(0.45, max(0.03, 0.11 * customer.risk**1.5))
    roll = rng.random()
    if roll < p_detractor:
        kind, score = "detractor", rng.choice((1, 3, 4, 5, 5, 6, 6, 6))
    elif roll < p_detractor + 0.32:
        kind, score = "passive", rng.choice((7, 8, 8))
    else:
        kind, score = "promoter", rng.choice((9, 9, 10))
    comment = rng.choice(NPS_COMMENTS[kind]) if rng.random() < 0.4 else ""
    return NpsResponse(
        external_id=f"NPS-{number:05d}",
        account=customer.obj,
        responded_at=day,
        score=score,
        comment=comment,
    )


# ---------------------------------------------------------------------------------------------
# Rows: traffic, spend, exchange rates.
# ---------------------------------------------------------------------------------------------


def _traffic_objs(ctx: _Ctx) -> list[Traffic]:
    """Monthly totals, except the last months, which come day by day."""
    objs = []
    daily_from = len(ctx.months) - DAILY_TRAFFIC_MONTHS
    for index, month in enumerate(ctx.months):
        for channel, spec in enumerate(CHANNELS):
            visits = _lead_volume(ctx, index) * spec.share * spec.visits_per_lead
            visits *= ctx.rng.gauss(1, 0.08)
            if index >= daily_from:
                objs += _daily_traffic(ctx, month, ctx.channels[channel], visits)
            else:
                objs.append(
                    Traffic(month=month, channel=ctx.channels[channel], visits=round(visits))
                )
    return objs


def _daily_traffic(ctx: _Ctx, month: date, channel: Channel, visits: float) -> list[Traffic]:
    all_days = [month + timedelta(days=offset) for offset in range(days_in_month(month))]
    per_weight = visits / sum(_day_weight(day) for day in all_days)
    return [
        Traffic(
            month=month,
            day=day,
            channel=channel,
            visits=round(per_weight * _day_weight(day) * ctx.rng.uniform(0.8, 1.2)),
        )
        for day in _month_days(ctx, month)
    ]


def _spend_objs(ctx: _Ctx) -> list[Spend]:
    objs = []
    for index, month in enumerate(ctx.months):
        elapsed = _elapsed(ctx, month)
        for channel, spec in enumerate(CHANNELS):
            budget = _lead_volume(ctx, index) * spec.share * spec.cost_per_lead * elapsed
            objs += _channel_spend(ctx, month, channel, budget * ctx.rng.uniform(0.9, 1.1))
        sales = _lead_volume(ctx, index) * SALES_COST_PER_LEAD * elapsed
        sales *= ctx.rng.uniform(0.95, 1.05)
        objs.append(_spend(month, None, None, SpendCategory.SALES, sales))
    return objs


def _channel_spend(ctx: _Ctx, month: date, channel: int, budget: float) -> list[Spend]:
    """A channel's marketing budget: part booked on its running campaigns, the rest unassigned."""
    running = _running(ctx, channel, month)
    weights = sum(camp.weight for camp in running)
    on_campaigns = budget * ctx.rng.uniform(0.3, 0.6) if running else 0.0
    owner = ctx.channels[channel]
    objs = [
        _spend(
            month, owner, camp.obj, SpendCategory.MARKETING, on_campaigns * camp.weight / weights
        )
        for camp in running
    ]
    objs.append(_spend(month, owner, None, SpendCategory.MARKETING, budget - on_campaigns))
    return objs


def _spend(
    month: date, channel: Channel | None, campaign: Campaign | None, category: str, euros: float
) -> Spend:
    return Spend(
        month=month,
        channel=channel,
        campaign=campaign,
        category=category,
        amount_cents=round(euros) * 100,
        currency=HOME,
    )


def _fx_objs(ctx: _Ctx) -> list[ExchangeRate]:
    """EUR per USD, drifting slowly between 0.90 and 0.95."""
    rate = 0.92
    objs = []
    for month in ctx.months:
        rate = min(0.95, max(0.90, rate + ctx.rng.gauss(0, 0.006)))
        objs.append(ExchangeRate(month=month, currency=FOREIGN, rate=Decimal(f"{rate:.4f}")))
    return objs


# The team's own KPIs: a count summed per quarter, and a percent averaged (KPIS.md section 6).
DEMO_CUSTOM_KPIS = (
    ("custom_support_tickets", "Support-Tickets", "number", "down", "sum", 140.0, 9.0),
    ("custom_uptime", "Verfügbarkeit", "percent", "up", "mean", 99.85, 0.08),
)


def _custom_kpis(ctx: _Ctx, workspace: Workspace) -> int:
    """Both demo KPIs with a value for every complete month."""
    kpis = CustomKpi.objects.bulk_create(
        CustomKpi(workspace=workspace, key=key, name=name, unit=unit, direction=direction,
                  aggregation=aggregation)
        for key, name, unit, direction, aggregation, _, _ in DEMO_CUSTOM_KPIS
    )  # fmt: skip
    values = []
    for kpi, (*_, centre, spread) in zip(kpis, DEMO_CUSTOM_KPIS, strict=True):
        for month in ctx.months[:-1]:  # the current month has no value yet
            value = ctx.rng.gauss(centre, spread)
            value = min(value, 100.0) if kpi.unit == "percent" else max(0.0, round(value))
            values.append(CustomKpiValue(workspace=workspace, kpi=kpi, month=month,
                                         value=Decimal(f"{value:.2f}")))  # fmt: skip
    return _save(CustomKpiValue, values)
