"""Recompute benchmark: a full KPI recompute of a large workspace against the floor of reading
its tables once, and a recompute after one account changed.

    python bench/recompute.py               # PostgreSQL kennzahl_bench on 127.0.0.1 by default
    python bench/recompute.py --rebuild     # build the data again even if it is there
    python bench/recompute.py --floor-only  # build (or reuse) and time the floor only
    python bench/recompute.py --reset-db    # drop and create the database (a migration changed)
    DATABASE_URL=postgres://... python bench/recompute.py --runs 5

Migrates, then builds (or reuses, when the row counts and the as-of month match) a workspace
`bench-recompute`: 20,000 accounts, 100,000 subscription rows, 200,000 deals with their stage
history, 500,000 leads and 36 months of spend, traffic, NPS answers, usage and USD exchange
rates up to today, all drawn from one seeded generator and written with COPY. Then it times:

- the floor: per table the recompute reads, one `count(*)` and `sum(<column>)`; best of 3;
- a full recompute (`snapshot_rebuild`), best and median of `--runs`, with the engine's and
  the write's share and the process CPU time (on a shared machine wall time includes waiting
  for a core); the runs after the first find the snapshots stored and write only what differs;
  with `--cold` the stored snapshots are deleted first, so every row is written once;
- a recompute after one account upgraded today (a new subscription row), limited to what
  the change touches as the product limits it, undone afterwards: its engine time (the
  compute, without the write) and the rows it wrote.

Targets (issue 17): full recompute ≤ 20 × the floor; one-account change ≤ 0.2 s engine time.
"""

from __future__ import annotations

import argparse
import calendar
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kennzahl_bench")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection, models, transaction  # noqa: E402

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from accounts.models import User, Workspace  # noqa: E402
from accounts.services import WorkspaceSettings, workspace_create  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from kpiapp.models import (  # noqa: E402
    Account,
    Campaign,
    Channel,
    Deal,
    DealStageChange,
    ExchangeRate,
    KpiSnapshot,
    Lead,
    NpsResponse,
    Spend,
    Subscription,
    Traffic,
    Usage,
)
from kpiapp.models.marketing import name_key  # noqa: E402

SLUG = "bench-recompute"
SEED = 20_251_123
TIME_ZONE = "Europe/Berlin"  # the workspace's; "today" is taken there
MONTHS = 36

# Exact sizes (the issue); every other table's size follows from these.
N_ACCOUNTS = 20_000
N_CUSTOMERS = 15_000  # accounts with subscriptions; the rest are prospects with deals only
N_SUBSCRIPTION_ROWS = 100_000
N_DEALS = 200_000
N_LEADS = 500_000

# --- the company's shape -------------------------------------------------------------------

CHANNELS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Inbound/Organic", 0.30, ("SEO Ratgeber", "Blog Newsletter", "Webinar-Reihe", "Whitepaper KPI", "Produktvideo")),  # noqa: E501
    ("Paid Search", 0.18, ("Google Brand", "Google Generic", "Bing Ads", "Competitor Keywords", "Search Remarketing")),  # noqa: E501
    ("Paid Social", 0.12, ("LinkedIn Lead Gen", "LinkedIn Retargeting", "Meta Awareness", "Xing Ads", "YouTube Pre-Roll")),  # noqa: E501
    ("Outbound", 0.10, ("SDR DACH", "SDR UK", "Cold Call Mittelstand", "ABM Enterprise", "Event Follow-up")),  # noqa: E501
    ("Referral", 0.10, ("Kunden werben Kunden", "Review-Portale", "Agenturempfehlungen", "Beraternetzwerk", "Community")),  # noqa: E501
    ("Partner", 0.08, ("Steuerberater-Partner", "Reseller DACH", "Integration Marketplace", "Technologiepartner", "Co-Marketing")),  # noqa: E501
    ("Events", 0.07, ("DMEXCO", "OMR Festival", "SaaStock", "Roadshow Wien/Zürich", "SaaStr Annual (US)")),  # noqa: E501
    ("Direct", 0.05, ("Direct Mail", "Podcast-Sponsoring", "Printanzeigen", "Messestand", "Radiospot")),  # noqa: E501
)  # fmt: skip
CHANNEL_WEIGHTS = [share for _, share, _ in CHANNELS]
USD_CAMPAIGN = "SaaStr Annual (US)"  # its spend is booked in USD
P_CAMPAIGN = 0.6

PLANS = ("Starter", "Team", "Business", "Enterprise")
PRICE_CENTS = (2_900, 5_900, 9_900, 17_900)  # per seat and month
MONTHLY_CHURN = (0.025, 0.018, 0.012, 0.008)
BILLED_MONTHS = {"month": 1, "quarter": 3, "year": 10}  # yearly: two months free
BILLS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
DISCOUNTS = (5, 10, 10, 15, 20)
P_TRIAL = 0.25
P_REACTIVATE = 0.12
P_PENDING_CANCEL = 0.03

COUNTRIES = ("DE", "AT", "CH", "US", "GB", "NL", "FR", "PL", "IT")
COUNTRY_WEIGHTS = (48, 12, 10, 10, 7, 5, 4, 2, 2)
LEGAL = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "US": "Inc.", "GB": "Ltd", "NL": "B.V."}
INDUSTRIES = (
    "Software", "Maschinenbau", "Handel", "Logistik", "Beratung", "Finanzen",
    "Gesundheit", "Medien", "Bau", "Energie",
)  # fmt: skip
NAME_A = ("Nord", "Süd", "Alpen", "Rhein", "Elb", "Isar", "Main", "Spree", "Donau", "Ruhr",
          "Blau", "Grün", "Hoch", "Tal", "Stern")  # fmt: skip
NAME_B = ("tech", "werk", "data", "logic", "systems", "soft", "labs", "consult", "trade",
          "netz", "cloud", "metrics", "works")  # fmt: skip
OWNERS = (
    "Julia Hoffmann", "Markus Wagner", "Sabine Schulz", "Stefan Klein", "Katharina Wolf",
    "Florian Neumann", "Anna Becker", "Thomas Richter", "Laura Fischer", "Jonas Weber",
    "Miriam Koch", "David Bauer", "Lea Schröder", "Paul Zimmermann", "Emma Hartmann",
)  # fmt: skip
CHURN_REASONS = ("Zu teuer", "Funktionen fehlen", "Insolvenz", "Wechsel zum Wettbewerb",
                 "Kein Bedarf mehr", "Übernahme", "")  # fmt: skip
LOST_REASONS = ("Preis", "Wettbewerb", "Kein Budget", "Timing", "Keine Rückmeldung", "Funktionen")
OPEN_STAGES = ("lead", "qualified", "demo", "proposal", "negotiation")
KIND_NAMES = {"new": "Neukunde", "expansion": "Erweiterung", "renewal": "Verlängerung"}


# --- dates ----------------------------------------------------------------------------------


def add_months(day: date, n: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + n, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass
class World:
    """The generator, the calendar and the ids of the small tables, shared by every step."""

    rng: random.Random
    as_of: date
    now: datetime
    months: list[date] = field(default_factory=list)
    channel_ids: list[int] = field(default_factory=list)
    campaign_ids: list[list[int]] = field(default_factory=list)

    @property
    def start(self) -> date:
        return self.months[0]

    def recent_day(self, lo: date | None = None) -> date:
        """A day in [lo, as_of - 1], more likely recent (the company grows)."""
        lo = lo or self.start
        span = (self.as_of - lo).days
        return lo + days(int(span * self.rng.random() ** 0.75))

    def attribution(self) -> tuple[int, int | None]:
        """A channel index and, often, one of its campaigns (an id)."""
        rng = self.rng
        channel = rng.choices(range(len(CHANNELS)), CHANNEL_WEIGHTS)[0]
        campaign = rng.choice(self.campaign_ids[channel]) if rng.random() < P_CAMPAIGN else None
        return channel, campaign

    def at(self, day: date, minute: int) -> datetime:
        moment = datetime(day.year, day.month, day.day, tzinfo=self.now.tzinfo)
        return min(self.now, moment + timedelta(minutes=minute))


# --- the plan, in memory ---------------------------------------------------------------------


@dataclass(slots=True)
class Terms:
    plan: int
    interval: str
    seats: int
    discount: int

    @property
    def amount_cents(self) -> int:
        return PRICE_CENTS[self.plan] * BILLED_MONTHS[self.interval]

    @property
    def acv_cents(self) -> int:
        per_bill = self.amount_cents * self.seats * (100 - self.discount) // 100
        return per_bill * BILLS_PER_YEAR[self.interval]


@dataclass(slots=True)
class SubRow:
    terms: Terms
    started: date
    ended: date | None
    trial_end: date | None = None
    cancelled: date | None = None
    churn_reason: str = ""


@dataclass(slots=True)
class Segment:
    """One subscription (external id): a chain of rows, each change starting a new row."""

    external_id: str
    start: date
    end: date | None
    terms: Terms
    trial: bool = False
    wanted: int = 1
    rows: list[SubRow] = field(default_factory=list)


@dataclass(slots=True)
class Company:
    number: int
    name: str
    country: str
    industry: str
    employees: int
    channel: int
    campaign: int | None
    owner: str
    created: date
    segments: list[Segment] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return "USD" if self.country == "US" else "EUR"


@dataclass(slots=True)
class LeadPlan:
    created: date
    qualified: date | None
    opportunity: date | None
    converted: date | None
    channel: int
    campaign: int | None
    account: int | None = None  # company number


@dataclass(slots=True)
class DealPlan:
    kind: str
    stage: str
    account: int | None  # company number
    lead: int | None  # lead number
    owner: str
    currency: str
    created: date
    closed: date | None
    amount: int
    channel: int | None
    campaign: int | None
    name: str
    services: int | None = None
    lost_reason: str = ""


def new_company(world: World, number: int, created: date) -> Company:
    rng = world.rng
    country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
    channel, campaign = world.attribution()
    name = f"{rng.choice(NAME_A)}{rng.choice(NAME_B)} {number} {LEGAL.get(country, 'GmbH')}"
    employees = int(rng.lognormvariate(4.0, 1.1)) + 5
    return Company(
        number, name, country, rng.choice(INDUSTRIES), employees, channel, campaign,
        rng.choice(OWNERS), created,
    )  # fmt: skip


def first_terms(rng: random.Random, employees: int) -> Terms:
    band = min(3, max(0, int((employees.bit_length() - 4) / 1.5)))
    plan = min(3, max(0, band + rng.choice((-1, 0, 0, 1))))
    interval = rng.choices(("month", "quarter", "year"), (55 - 10 * plan, 15, 30 + 10 * plan))[0]
    seats = max(1, int(rng.lognormvariate(1.6 + 0.4 * plan, 0.6)))
    discount = rng.choice(DISCOUNTS) if rng.random() < 0.1 + 0.1 * plan else 0
    return Terms(plan, interval, seats, discount)


def churn_end(world: World, start: date, plan: int) -> date | None:
    months = world.rng.expovariate(MONTHLY_CHURN[plan])
    end = start + days(max(14, int(months * 30.4)))
    return end if end < world.as_of else None


def plan_customer(world: World, number: int) -> Company:
    rng = world.rng
    start = world.recent_day()
    company = new_company(world, number, start)
    terms = first_terms(rng, company.employees)
    first = Segment(f"S-{number:05d}-1", start, churn_end(world, start, terms.plan), terms)
    first.trial = terms.interval == "month" and rng.random() < P_TRIAL
    company.segments.append(first)
    if first.end is not None and rng.random() < P_REACTIVATE:
        restart = first.end + days(rng.randint(45, 300))
        if restart <= world.as_of - days(30):
            again = Terms(max(0, terms.plan - 1), "month", max(1, terms.seats * 3 // 4), 0)
            end = churn_end(world, restart, again.plan)
            company.segments.append(Segment(f"S-{number:05d}-2", restart, end, again))
    return company


def cut_range(world: World, seg: Segment) -> tuple[int, int]:
    """Days (ordinals) on which a change may start a new row: after the first month, before
    the segment ends, and before today (today stays free for the one-account change)."""
    last = world.as_of - days(1)
    if seg.end is not None:
        last = min(last, seg.end - days(1))
    return (seg.start + days(30)).toordinal(), last.toordinal()


def allocate_rows(world: World, segments: list[Segment], total: int) -> None:
    """Spread `total` subscription rows over the segments, more where a segment lives longer."""
    rng = world.rng
    caps = [max(0, (hi - lo + 1) // 20) for lo, hi in (cut_range(world, s) for s in segments)]
    extra = total - len(segments)
    if extra < 0 or sum(caps) < extra:
        raise SystemExit(f"cannot place {total} subscription rows on {len(segments)} segments")
    weights = [cap * rng.uniform(0.2, 1.8) for cap in caps]
    scale = extra / sum(weights)
    for seg, cap, weight in zip(segments, caps, weights, strict=True):
        seg.wanted = 1 + min(cap, int(weight * scale))
    left = total - sum(seg.wanted for seg in segments)
    order = list(range(len(segments)))
    rng.shuffle(order)
    while left:
        for i in order:
            if left and segments[i].wanted - 1 < caps[i]:
                segments[i].wanted += 1
                left -= 1


def changed_terms(rng: random.Random, old: Terms) -> Terms:
    """An upgrade or a downgrade: seats, plan, or a switch to yearly billing."""
    roll = rng.random()
    new = Terms(old.plan, old.interval, old.seats, old.discount)
    if roll < 0.55:
        new.seats = max(old.seats + 1, round(old.seats * rng.uniform(1.1, 1.5)))
    elif roll < 0.63 and old.plan < len(PLANS) - 1:
        new.plan += 1
    elif roll < 0.85 and old.seats > 1:
        new.seats = max(1, round(old.seats * rng.uniform(0.6, 0.9)))
    elif roll < 0.90 and old.plan > 0:
        new.plan -= 1
    elif roll < 0.93 and old.interval != "year":
        new.interval, new.discount = "year", rng.choice((0, *DISCOUNTS))
    else:
        new.seats += rng.randint(1, 5)
    return new


def expansion_deal(world: World, company: Company, row: SubRow, delta: int) -> DealPlan:
    rng = world.rng
    created = max(row.started - days(rng.randint(10, 45)), company.created)
    closed = max(created, row.started - days(rng.randint(0, 5)))
    return DealPlan(
        "expansion", "won", company.number, None, company.owner, company.currency, created,
        closed, delta, company.channel, company.campaign, f"{company.name} – Erweiterung",
    )  # fmt: skip


def segment_rows(world: World, company: Company, seg: Segment, deals: list[DealPlan]) -> None:
    rng = world.rng
    lo, hi = cut_range(world, seg)
    cuts = [date.fromordinal(d) for d in sorted(rng.sample(range(lo, hi + 1), seg.wanted - 1))]
    terms = seg.terms
    for index, (started, ended) in enumerate(
        zip([seg.start, *cuts], [*cuts, seg.end], strict=True)
    ):
        if index:
            new = changed_terms(rng, terms)
            if new.acv_cents > terms.acv_cents:
                row = SubRow(new, started, ended)
                deals.append(expansion_deal(world, company, row, new.acv_cents - terms.acv_cents))
            terms = new
        seg.rows.append(SubRow(terms, started, ended))
    if seg.trial:
        seg.rows[0].trial_end = seg.start + days(14)
    last = seg.rows[-1]
    if seg.end is not None:
        last.cancelled = max(last.started, seg.end - days(rng.randint(0, 60)))
        last.churn_reason = rng.choice(CHURN_REASONS)
    elif rng.random() < P_PENDING_CANCEL:  # notice given, service ends at a later month's start
        last.cancelled = max(last.started, world.as_of - days(rng.randint(0, 20)))
        last.ended = add_months(world.as_of.replace(day=1), rng.randint(1, 3))


def settle(world: World, created: date, cycle: int, won: bool) -> tuple[str, date | None]:
    """Won or lost after `cycle` days, or, if that is after today, still open in a stage."""
    closed = created + days(cycle)
    if closed <= world.as_of:
        return ("won" if won else "lost"), closed
    progress = (world.as_of - created).days / cycle
    return OPEN_STAGES[min(4, int(progress * 5))], None


def renewal_deals(world: World, company: Company, seg: Segment) -> list[DealPlan]:
    """A renewal deal before each anniversary of a yearly contract; lost when it churned."""
    out = []
    for year in range(1, MONTHS // 12 + 2):
        anniversary = add_months(seg.start, 12 * year)
        created = anniversary - days(75)
        if created > world.as_of or (seg.end is not None and seg.end < anniversary - days(31)):
            break
        row = next(r for r in reversed(seg.rows) if r.started < anniversary)
        if row.terms.interval != "year":
            continue
        lost = seg.end is not None and seg.end <= anniversary
        if lost:
            stage, closed = "lost", max(created, seg.end - days(10))
        else:
            stage, closed = settle(world, created, 70, won=True)
        out.append(
            DealPlan(
                "renewal", stage, company.number, None, company.owner, company.currency,
                created, closed, row.terms.acv_cents, company.channel, company.campaign,
                f"{company.name} – Verlängerung {anniversary.year}",
                lost_reason=rng_reason(world) if lost else "",
            )
        )  # fmt: skip
    return out


def rng_reason(world: World) -> str:
    return world.rng.choice(LOST_REASONS)


def customer_lead(world: World, company: Company, seg: Segment) -> LeadPlan:
    """The lead the customer came from; converted when the (trial) subscription became paid."""
    rng = world.rng
    opportunity = seg.start - days(rng.randint(7, 90))
    qualified = opportunity - days(rng.randint(0, 30))
    created = max(world.start, qualified - days(rng.randint(0, 30)))
    qualified = max(qualified, created)
    opportunity = max(opportunity, qualified)
    converted: date | None = seg.start
    if seg.trial:
        paid = seg.start + days(14)
        converted = paid if paid <= world.as_of and (seg.end is None or seg.end > paid) else None
    company.created = opportunity
    return LeadPlan(
        created, qualified, opportunity, converted, company.channel, company.campaign,
        company.number if converted else None,
    )  # fmt: skip


def first_deal(world: World, company: Company, seg: Segment, lead: LeadPlan, n: int) -> DealPlan:
    """The new-business deal: won when the customer started paying (after a trial, maybe)."""
    rng = world.rng
    created = lead.opportunity or lead.created
    stage, closed = "won", max(created, seg.start - days(rng.randint(0, 7)))
    if seg.trial:
        paid = seg.start + days(14)
        if seg.end is not None and seg.end <= paid:
            stage, closed = "lost", max(created, seg.end)
        elif paid > world.as_of:
            stage, closed = "negotiation", None
        else:
            closed = paid
    services = rng.randint(5, 200) * 10_000 if rng.random() < 0.2 else None
    return DealPlan(
        "new", stage, company.number, n, company.owner, company.currency, created, closed,
        seg.terms.acv_cents, company.channel, company.campaign, f"{company.name} – Neukunde",
        services, rng_reason(world) if stage == "lost" else "",
    )  # fmt: skip


def comeback_deal(world: World, company: Company, seg: Segment) -> DealPlan:
    rng = world.rng
    created = seg.start - days(rng.randint(20, 60))
    closed = max(created, seg.start - days(rng.randint(0, 5)))
    return DealPlan(
        "new", "won", company.number, None, company.owner, company.currency, created, closed,
        seg.terms.acv_cents, company.channel, company.campaign, f"{company.name} – Rückkehr",
    )  # fmt: skip


def plan_customers(world: World) -> tuple[list[Company], list[LeadPlan], list[DealPlan]]:
    customers = [plan_customer(world, n) for n in range(1, N_CUSTOMERS + 1)]
    segments = [seg for c in customers for seg in c.segments]
    allocate_rows(world, segments, N_SUBSCRIPTION_ROWS)
    leads: list[LeadPlan] = []
    deals: list[DealPlan] = []
    for company in customers:
        first = company.segments[0]
        lead = customer_lead(world, company, first)
        leads.append(lead)
        deals.append(first_deal(world, company, first, lead, len(leads)))
        for index, seg in enumerate(company.segments):
            if index:
                deals.append(comeback_deal(world, company, seg))
            segment_rows(world, company, seg, deals)
            deals += renewal_deals(world, company, seg)
    return customers, leads, deals


def other_lead(world: World) -> LeadPlan:
    """A lead that did not become a customer (yet): some qualify, fewer become opportunities."""
    rng = world.rng
    created = world.recent_day()
    channel, campaign = world.attribution()
    qualified = opportunity = None
    if rng.random() < 0.22:
        qualified = created + days(rng.randint(0, 30))
        if rng.random() < 0.35:
            opportunity = qualified + days(rng.randint(0, 30))
    if qualified and qualified > world.as_of:
        qualified = opportunity = None
    if opportunity and opportunity > world.as_of:
        opportunity = None
    return LeadPlan(created, qualified, opportunity, None, channel, campaign)


def filler_deals(
    world: World,
    customers: list[Company],
    prospects: list[Company],
    leads: list[LeadPlan],
    wanted: int,
) -> list[DealPlan]:
    """`wanted` deals that were never won: those of opportunities that did not convert, then
    outbound ones (to prospects, upsell attempts to customers, and some without an account)."""
    rng = world.rng
    out = []
    for number, lead in enumerate(leads, start=1):
        if len(out) < wanted and lead.opportunity is not None and lead.converted is None:
            account = rng.choice(prospects) if rng.random() < 0.4 else None
            out.append(lost_or_open(world, "new", account, number, lead.opportunity, lead))
    while len(out) < wanted:
        roll = rng.random()
        if roll < 0.5:
            out.append(lost_or_open(world, "new", rng.choice(prospects), None))
        elif roll < 0.8:
            out.append(lost_or_open(world, "expansion", rng.choice(customers), None))
        else:
            out.append(lost_or_open(world, "new", None, None))
    return out


def lost_or_open(
    world: World,
    kind: str,
    account: Company | None,
    lead_number: int | None,
    created: date | None = None,
    lead: LeadPlan | None = None,
) -> DealPlan:
    rng = world.rng
    created = created or world.recent_day()
    stage, closed = settle(world, created, rng.randint(7, 150), won=False)
    if lead is not None:
        channel, campaign = lead.channel, lead.campaign
    elif account is not None:
        channel, campaign = account.channel, account.campaign
    else:
        channel, campaign = world.attribution()
    amount = int(rng.lognormvariate(9.3, 0.9)) * 100
    return DealPlan(
        kind, stage, account.number if account else None, lead_number,
        account.owner if account else rng.choice(OWNERS),
        account.currency if account else "EUR", created, closed, amount, channel, campaign,
        f"{account.name if account else 'Opportunity'} – {KIND_NAMES[kind]}",
        lost_reason=rng_reason(world) if stage == "lost" else "",
    )  # fmt: skip


# --- writing ---------------------------------------------------------------------------------


def copy_rows(
    model: type[models.Model], workspace_id: int, names: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """COPY rows (values in the order of `names`, model attribute names) into `workspace_id`."""
    meta = model._meta
    columns = ", ".join(["workspace_id", *(meta.get_field(n).column for n in names)])
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row((workspace_id, *row))
            count += 1
    return count


def ids_by_external_id(model: type[models.Model], workspace_id: int) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT external_id, id FROM {model._meta.db_table} WHERE workspace_id = %s",  # noqa: S608
            [workspace_id],
        )
        return dict(cursor.fetchall())


def write_small_tables(world: World, workspace_id: int) -> None:
    with workspace_scope(workspace_id):
        channels = Channel.objects.bulk_create(
            Channel(name=name, key=name_key(name)) for name, _, _ in CHANNELS
        )
        world.channel_ids = [c.id for c in channels]
        campaigns = Campaign.objects.bulk_create(
            Campaign(channel=channel, name=name, key=name_key(name))
            for channel, (_, _, names) in zip(channels, CHANNELS, strict=True)
            for name in names
        )
        per = len(CHANNELS[0][2])
        world.campaign_ids = [
            [c.id for c in campaigns[i * per : (i + 1) * per]] for i in range(len(CHANNELS))
        ]


def write_accounts(world: World, ws: int, companies: list[Company]) -> dict[int, int]:
    copy_rows(
        Account, ws,
        ("external_id", "name", "country", "industry", "employees", "created_at",
         "channel_id", "campaign_id"),
        ((f"A-{c.number:05d}", c.name, c.country, c.industry, c.employees, c.created,
          world.channel_ids[c.channel], c.campaign) for c in companies),
    )  # fmt: skip
    ids = ids_by_external_id(Account, ws)
    return {c.number: ids[f"A-{c.number:05d}"] for c in companies}


def write_leads(
    world: World, ws: int, leads: list[LeadPlan], accounts: dict[int, int]
) -> dict[int, int]:
    """Writes the leads; returns the ids of those that became opportunities, by number."""
    copy_rows(
        Lead, ws,
        ("external_id", "email_or_company", "created_at", "qualified_at", "opportunity_at",
         "converted_at", "account_id", "channel_id", "campaign_id"),
        ((f"L-{n:07d}", f"kontakt{n}@firma{n % 9973}.example", lead.created, lead.qualified,
          lead.opportunity, lead.converted, accounts.get(lead.account),
          world.channel_ids[lead.channel], lead.campaign)
         for n, lead in enumerate(leads, start=1)),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, id FROM kpiapp_lead "
            "WHERE workspace_id = %s AND opportunity_at IS NOT NULL",
            [ws],
        )
        return {int(ext[2:]): pk for ext, pk in cursor.fetchall()}


def write_deals(
    world: World,
    ws: int,
    deals: list[DealPlan],
    accounts: dict[int, int],
    leads: dict[int, int],
) -> list[int]:
    """Writes the deals; returns their ids in the order of `deals`."""
    channel_ids = world.channel_ids
    copy_rows(
        Deal, ws,
        ("external_id", "account_id", "lead_id", "name", "owner", "stage", "kind",
         "amount_cents", "services_amount_cents", "currency", "created_at", "closed_at",
         "lost_reason", "channel_id", "campaign_id"),
        ((f"D-{n:07d}", accounts.get(d.account), leads.get(d.lead), d.name, d.owner, d.stage,
          d.kind, d.amount, d.services, d.currency, d.created, d.closed, d.lost_reason,
          None if d.channel is None else channel_ids[d.channel], d.campaign)
         for n, d in enumerate(deals, start=1)),
    )  # fmt: skip
    ids = ids_by_external_id(Deal, ws)
    return [ids[f"D-{n:07d}"] for n in range(1, len(deals) + 1)]


def stage_path(rng: random.Random, stage: str) -> list[str]:
    """The stages a deal went through, from "lead" to where it is; some are skipped."""
    if stage in OPEN_STAGES:
        top = OPEN_STAGES.index(stage)
    else:
        top = len(OPEN_STAGES) - 1 if stage == "won" else rng.randint(0, len(OPEN_STAGES) - 1)
    path = ["lead"]
    path += [s for s in OPEN_STAGES[1:top] if rng.random() < 0.5]
    if top:
        path.append(OPEN_STAGES[top])
    if stage not in OPEN_STAGES:
        path.append(stage)
    return path


def stage_changes(world: World, deals: list[DealPlan], ids: list[int]) -> Iterable[tuple]:
    rng = world.rng
    for deal, pk in zip(deals, ids, strict=True):
        path = stage_path(rng, deal.stage)
        first = deal.created.toordinal() * 1440 + rng.randint(480, 600)
        if deal.closed is not None:
            last = deal.closed.toordinal() * 1440 + rng.randint(600, 1080)
            inner = len(path) - 2
        else:
            last = world.as_of.toordinal() * 1440 + 1080
            inner = len(path) - 1
        last = max(first, last)
        minutes = [first, *sorted(rng.randint(first, last) for _ in range(inner))]
        if deal.closed is not None:
            minutes.append(last)
        before = ""
        for stage, minute in zip(path, minutes, strict=True):
            yield pk, world.at(date.fromordinal(minute // 1440), minute % 1440), before, stage
            before = stage


def subscription_rows(customers: list[Company], accounts: dict[int, int]) -> Iterable[tuple]:
    for company in customers:
        account = accounts[company.number]
        for seg in company.segments:
            for row in seg.rows:
                t = row.terms
                yield (
                    seg.external_id, account, PLANS[t.plan], t.amount_cents, company.currency,
                    t.interval, 1, t.seats, t.discount, row.started, row.trial_end, row.ended,
                    row.cancelled, row.churn_reason,
                )  # fmt: skip


def serving(company: Company, day: date) -> bool:
    """Whether one of the company's subscriptions serves it (trial included) on `day`."""
    for seg in company.segments:
        ended = seg.rows[-1].ended
        if seg.start <= day and (ended is None or ended > day):
            return True
    return False


def usage_rows(world: World, customers: list[Company], accounts: dict[int, int]) -> Iterable:
    """One row per month a customer was served, for three in five customers."""
    rng = world.rng
    for company in customers:
        if company.number % 5 >= 3:
            continue
        by_month: dict[date, SubRow] = {}
        for seg in company.segments:
            for row in seg.rows:
                month = row.started.replace(day=1)
                tomorrow = world.as_of + days(1)
                end = tomorrow if row.ended is None else min(row.ended, tomorrow)
                while month < end:
                    by_month[month] = row
                    month = add_months(month, 1)
        first_value = company.segments[0].start + days(rng.randint(2, 40))
        for i, (month, row) in enumerate(sorted(by_month.items())):
            seats = row.terms.seats
            active = max(1, min(seats, round(seats * rng.uniform(0.55, 1.0))))
            first = first_value if i == 0 and first_value <= world.as_of else None
            yield accounts[company.number], month, active, seats, active * rng.randint(8, 30), first


def nps_rows(world: World, customers: list[Company], accounts: dict[int, int]) -> Iterable:
    """A survey in the middle month of each quarter; a quarter of the customers answer."""
    rng = world.rng
    number = 0
    for month in world.months:
        if month.month % 3 != 2:
            continue
        for company in customers:
            day = month + days(rng.randint(0, 26))
            if day <= world.as_of and rng.random() < 0.25 and serving(company, day):
                number += 1
                score = rng.choices(range(11), (2, 1, 1, 2, 2, 4, 5, 9, 14, 25, 25))[0]
                external = f"N-{number:06d}" if rng.random() < 0.9 else ""
                yield external, accounts[company.number], day, score, ""


def month_share(world: World, month: date) -> float:
    """How far the month has run (the current month only partly), times the company's growth."""
    index = world.months.index(month)
    elapsed = 1.0
    if month == world.months[-1]:
        elapsed = world.as_of.day / calendar.monthrange(month.year, month.month)[1]
    return elapsed * (0.4 + 0.6 * index / (len(world.months) - 1))


def spend_rows(world: World) -> Iterable[tuple]:
    rng = world.rng
    usd = {
        world.campaign_ids[i][k]
        for i, (_, _, names) in enumerate(CHANNELS)
        for k, name in enumerate(names)
        if name == USD_CAMPAIGN
    }
    for month in world.months:
        share = month_share(world, month)
        for index, (_, weight, _) in enumerate(CHANNELS):
            channel = world.channel_ids[index]
            budget = 250_000 * weight * share * rng.uniform(0.85, 1.15)  # euros
            yield month, "marketing", int(budget) * 100, "EUR", channel, None
            yield month, "sales", int(budget * 0.6) * 100, "EUR", channel, None
            for campaign in world.campaign_ids[index]:
                if rng.random() < 0.6:
                    currency = "USD" if campaign in usd else "EUR"
                    amount = int(budget * rng.uniform(0.05, 0.2)) * 100
                    yield month, "marketing", amount, currency, channel, campaign


def traffic_rows(world: World) -> Iterable[tuple]:
    """Monthly visits per channel; the last three months come day by day."""
    rng = world.rng
    for month in world.months:
        daily = month >= world.months[-3]
        for index, (_, weight, _) in enumerate(CHANNELS):
            visits = 400_000 * weight * month_share(world, month) * rng.uniform(0.9, 1.1)
            if not daily:
                yield month, None, world.channel_ids[index], int(visits)
                continue
            length = calendar.monthrange(month.year, month.month)[1]
            if month == world.months[-1]:
                length = world.as_of.day  # up to today
            for d in range(length):
                per_day = visits / length * rng.uniform(0.7, 1.3)
                yield month, month + days(d), world.channel_ids[index], int(per_day)


def fx_rows(world: World) -> Iterable[tuple]:
    """EUR per USD, drifting between 0.85 and 0.97."""
    rate = 0.92
    for month in world.months:
        rate = min(0.97, max(0.85, rate + world.rng.gauss(0, 0.008)))
        yield month, "USD", Decimal(f"{rate:.4f}")


# --- the workspace ---------------------------------------------------------------------------

# Raw deletes, children first: Django's cascade would load every row into Python.
BIG_TABLES = (
    DealStageChange, Deal, Subscription, Usage, NpsResponse, Lead, Account, Spend, Traffic,
    ExchangeRate, Campaign, Channel,
)  # fmt: skip


def marker(as_of: date, seed: int) -> str:
    return f"Recompute benchmark, data of {as_of:%Y-%m}, seed {seed}"


def count(model: type[models.Model], workspace_id: int) -> int:
    return model.all_workspaces.filter(workspace_id=workspace_id).count()


def reusable(ws: Workspace | None, as_of: date, seed: int) -> bool:
    if ws is None or not ws.name.startswith(marker(as_of, seed)):
        return False
    targets = {Account: N_ACCOUNTS, Subscription: N_SUBSCRIPTION_ROWS, Deal: N_DEALS, Lead: N_LEADS}
    return all(count(model, ws.id) == n for model, n in targets.items())


def workspace_delete(ws: Workspace) -> None:
    """Delete the old bench workspace fast (call inside a transaction): one DELETE per big
    table instead of Django's collector, which loads every row that others refer to."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in BIG_TABLES:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE workspace_id = %s",  # noqa: S608
                [ws.id],
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    ws.delete()


def vacuum() -> None:
    """Compact the tables (a rebuild leaves the old rows' space behind), refresh statistics."""
    with connection.cursor() as cursor:
        for model in BIG_TABLES:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {model._meta.db_table}")


def build(world: World, seed: int) -> tuple[Workspace, dict[str, float]]:
    """Delete any old bench workspace and write a new one, in one transaction."""
    timings = {}
    started = time.perf_counter()
    with transaction.atomic():
        old = Workspace.objects.filter(slug=SLUG).first()
        if old is not None:
            workspace_delete(old)
        timings["delete old"] = time.perf_counter() - started
        owner, _ = User.objects.get_or_create(email="bench@kennzahl.example")
        ws = workspace_create(
            owner=owner,
            slug=SLUG,
            settings_=WorkspaceSettings(name=marker(world.as_of, seed), time_zone=TIME_ZONE),
        )
        write_small_tables(world, ws.id)
        started = time.perf_counter()
        customers, leads, deals = plan_customers(world)
        prospects = [
            new_company(world, n, world.recent_day())
            for n in range(N_CUSTOMERS + 1, N_ACCOUNTS + 1)
        ]
        leads += [other_lead(world) for _ in range(N_LEADS - len(leads))]
        if len(deals) > N_DEALS:
            raise SystemExit(f"{len(deals)} customer deals, more than {N_DEALS}")
        deals += filler_deals(world, customers, prospects, leads, N_DEALS - len(deals))
        timings["plan in memory"] = time.perf_counter() - started
        started = time.perf_counter()
        write_rows(world, ws.id, customers + prospects, leads, deals)
        timings["COPY"] = time.perf_counter() - started
        started = time.perf_counter()
    timings["commit (deferred FK checks)"] = time.perf_counter() - started
    started = time.perf_counter()
    vacuum()
    timings["VACUUM FULL"] = time.perf_counter() - started
    return ws, timings


def write_rows(
    world: World, ws: int, companies: list[Company], leads: list[LeadPlan], deals: list[DealPlan]
) -> None:
    customers = [c for c in companies if c.segments]
    accounts = write_accounts(world, ws, companies)
    lead_ids = write_leads(world, ws, leads, accounts)
    deal_ids = write_deals(world, ws, deals, accounts, lead_ids)
    copy_rows(
        DealStageChange, ws, ("deal_id", "changed_at", "from_stage", "to_stage"),
        stage_changes(world, deals, deal_ids),
    )  # fmt: skip
    copy_rows(
        Subscription, ws,
        ("external_id", "account_id", "plan", "amount_cents", "currency", "interval",
         "interval_count", "quantity", "discount_percent", "started_at", "trial_ends_at",
         "ended_at", "cancelled_at", "churn_reason"),
        subscription_rows(customers, accounts),
    )  # fmt: skip
    copy_rows(
        Usage, ws, ("account_id", "month", "active_users", "seats", "key_actions",
                    "first_value_at"),
        usage_rows(world, customers, accounts),
    )  # fmt: skip
    copy_rows(
        NpsResponse, ws, ("external_id", "account_id", "responded_at", "score", "comment"),
        nps_rows(world, customers, accounts),
    )  # fmt: skip
    copy_rows(
        Spend, ws, ("month", "category", "amount_cents", "currency", "channel_id", "campaign_id"),
        spend_rows(world),
    )  # fmt: skip
    copy_rows(Traffic, ws, ("month", "day", "channel_id", "visits"), traffic_rows(world))
    copy_rows(ExchangeRate, ws, ("month", "currency", "rate"), fx_rows(world))


# --- measuring -------------------------------------------------------------------------------

# One numeric column per table the recompute reads; the floor reads each table once.
FLOOR = (
    (Subscription, "amount_cents"),
    (Account, "employees"),
    (Deal, "amount_cents"),
    (DealStageChange, "deal_id"),
    (Lead, "channel_id"),
    (Spend, "amount_cents"),
    (Traffic, "visits"),
    (NpsResponse, "score"),
    (Usage, "active_users"),
    (ExchangeRate, "rate"),
    (Channel, "id"),
    (Campaign, "channel_id"),
)


def floor_once(workspace_id: int) -> tuple[float, dict[str, tuple[int, float]]]:
    """Each table once: (total seconds, {table: (rows, seconds)})."""
    out = {}
    with connection.cursor() as cursor:
        for model, column in FLOOR:
            table = model._meta.db_table
            started = time.perf_counter()
            cursor.execute(
                f"SELECT count(*), sum({column}) FROM {table} WHERE workspace_id = %s",  # noqa: S608
                [workspace_id],
            )
            rows, _ = cursor.fetchone()
            out[table] = (rows, time.perf_counter() - started)
    return sum(seconds for _, seconds in out.values()), out


def floor_best(workspace_id: int, runs: int = 3) -> tuple[float, dict[str, tuple[int, float]]]:
    return min((floor_once(workspace_id) for _ in range(runs)), key=lambda result: result[0])


def load_rebuild() -> Callable[..., Any] | None:
    try:
        from kpiapp.services.snapshots import snapshot_rebuild
    except ImportError as error:
        print(f"snapshot_rebuild not available yet ({error}); timing the floor only")
        return None
    return snapshot_rebuild


def timed_rebuild(rebuild: Callable[..., Any], workspace_id: int, **kwargs: Any) -> tuple:
    with workspace_scope(workspace_id):
        started = time.perf_counter()
        result = rebuild(workspace_id=workspace_id, **kwargs)
        return time.perf_counter() - started, result


@dataclass
class Upgrade:
    old_id: int
    new_id: int
    account_id: int
    external_id: str


def upgrade_one_account(workspace_id: int, today: date, seed: int) -> Upgrade:
    """What the product writes for an upgrade: the current row ends today, a new row with the
    same external id and more seats starts today."""
    with workspace_scope(workspace_id), transaction.atomic():
        candidates = list(
            Subscription.objects.filter(
                ended_at__isnull=True, cancelled_at__isnull=True, started_at__lt=today
            )
            .exclude(trial_ends_at__gt=today)
            .order_by("id")
            .values_list("id", flat=True)
        )
        old = Subscription.objects.get(pk=random.Random(seed).choice(candidates))
        Subscription.objects.filter(pk=old.pk).update(ended_at=today)
        new = Subscription.objects.create(
            external_id=old.external_id,
            account_id=old.account_id,
            plan=old.plan,
            amount_cents=old.amount_cents,
            currency=old.currency,
            interval=old.interval,
            interval_count=old.interval_count,
            quantity=old.quantity + max(1, old.quantity // 5),
            discount_percent=old.discount_percent,
            started_at=today,
        )
    return Upgrade(old.pk, new.pk, old.account_id, old.external_id)


def undo_upgrade(workspace_id: int, change: Upgrade) -> None:
    with workspace_scope(workspace_id), transaction.atomic():
        Subscription.objects.filter(pk=change.new_id).delete()
        Subscription.objects.filter(pk=change.old_id).update(ended_at=None)


# --- main ------------------------------------------------------------------------------------


def server_execute(*statements: str) -> None:
    """Run statements on the server's `postgres` database, naming the benchmark database."""
    s = connection.settings_dict
    name = sql.Identifier(s["NAME"])
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"],
        dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        for statement in statements:
            conn.execute(sql.SQL(statement).format(name))


def ensure_database(reset: bool) -> None:
    """Create the benchmark database when the server has none of that name yet; with `reset`,
    drop it first."""
    name = connection.settings_dict["NAME"]
    if reset:
        connection.close()
        server_execute("DROP DATABASE IF EXISTS {}", "CREATE DATABASE {}")
        print(f"dropped and created database {name}")
        return
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
        server_execute("CREATE DATABASE {}")
        print(f"created database {name}")


def schema_drift() -> list[str]:
    """Tables and columns where the database differs from the models: a migration that was
    edited after this database applied it (while migrations are in the making)."""
    drift = []
    introspection = connection.introspection
    with connection.cursor() as cursor:
        tables = set(introspection.table_names(cursor))
        for model in apps.get_models():
            meta = model._meta
            if meta.app_label not in ("accounts", "kpiapp") or not meta.managed:
                continue
            if meta.db_table not in tables:
                drift.append(f"{meta.db_table} (missing)")
                continue
            have = {c.name for c in introspection.get_table_description(cursor, meta.db_table)}
            want = {f.column for f in meta.local_concrete_fields}
            drift += [f"{meta.db_table}.{c} (missing)" for c in sorted(want - have)]
            drift += [f"{meta.db_table}.{c} (not in the model)" for c in sorted(have - want)]
    return drift


def prepare(args: argparse.Namespace, as_of: date) -> Workspace:
    ws = Workspace.objects.filter(slug=SLUG).first()
    if not args.rebuild and reusable(ws, as_of, args.seed):
        print(f"reusing workspace {SLUG} (id {ws.id}): {ws.name}")
        return ws
    tz = ZoneInfo(TIME_ZONE)
    world = World(
        rng=random.Random(args.seed),
        as_of=as_of,
        now=datetime.now(tz),
        months=[add_months(as_of.replace(day=1), -n) for n in range(MONTHS - 1, -1, -1)],
    )
    started = time.perf_counter()
    ws, timings = build(world, args.seed)
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    print(f"built workspace {SLUG} (id {ws.id}) in {time.perf_counter() - started:.1f} s ({parts})")
    return ws


def report_rows(floor: dict[str, tuple[int, float]]) -> None:
    print(f"\n{'table':<26} {'rows':>10} {'floor ms':>9}")
    for table, (rows, seconds) in floor.items():
        print(f"{table:<26} {rows:>10,} {seconds * 1000:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--runs", type=int, default=3, help="full recomputes to time")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--floor-only", action="store_true", help="build and floor, no recompute")
    parser.add_argument(
        "--cold", action="store_true", help="also time a full recompute with nothing stored"
    )
    parser.add_argument(
        "--reset-db", action="store_true", help="drop and create the database first (all of it)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(reset=args.reset_db)
    call_command("migrate", verbosity=0)
    drift = schema_drift()
    if drift:
        raise SystemExit(
            f"The database does not match the models: {', '.join(drift[:5])}. A migration was "
            "probably changed after this database applied it; run again with --reset-db."
        )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    today = datetime.now(ZoneInfo(TIME_ZONE)).date()
    ws = prepare(args, today)

    floor, per_table = floor_best(ws.id)
    report_rows(per_table)
    print(f"{'floor (best of 3)':<26} {'':>10} {floor * 1000:>9.1f}\n")

    rebuild = None if args.floor_only else load_rebuild()
    if rebuild is None:
        return
    if args.cold:
        with workspace_scope(ws.id):
            KpiSnapshot.objects.all()._raw_delete(KpiSnapshot.objects.db)
        seconds, cold = timed_rebuild(rebuild, ws.id)
        print(
            f"cold full recompute (nothing stored): {seconds:.2f} s "
            f"(engine {cold.compute_seconds:.2f} s, write {cold.write_seconds:.2f} s, "
            f"{cold.written_count:,} rows written)"
        )
    times, cpu, result = [], [], None
    for _ in range(args.runs):
        cpu_before = time.process_time()
        seconds, result = timed_rebuild(rebuild, ws.id)
        cpu.append(time.process_time() - cpu_before)
        times.append(seconds)
        print(
            f"  run: {seconds:.2f} s (CPU {cpu[-1]:.2f} s; engine {result.compute_seconds:.2f} s, "
            f"compare and write {result.write_seconds:.2f} s, {result.written_count:,} written, "
            f"{result.deleted_count:,} deleted)"
        )
    best, median = min(times), statistics.median(times)
    print(f"full recompute: best {best:.2f} s, median {median:.2f} s of {args.runs}")
    print(f"ratio full / floor: {best / floor:.1f}×   (target: ≤ 20×)")

    from kpiapp.services.snapshots import Scope

    # What `record_save` requests for this change (a new row from today, the old one ended
    # today): the KPIs that read subscriptions, for the periods from today on.
    scope = Scope(frozenset({"subscriptions"}), today)
    change = upgrade_one_account(ws.id, today, args.seed)
    try:
        cpu_before = time.process_time()
        one, partial = timed_rebuild(rebuild, ws.id, scope=scope)
        one_cpu = time.process_time() - cpu_before
    finally:
        undo_upgrade(ws.id, change)
        timed_rebuild(rebuild, ws.id, scope=scope)  # back to the stored state
    print(
        f"one-account recompute: engine {partial.compute_seconds:.2f} s (target: ≤ 0.2 s), "
        f"{one:.2f} s with the write (CPU {one_cpu:.2f} s); {change.external_id} of account "
        f"{change.account_id} upgraded today, then undone; {partial.snapshot_count:,} "
        f"snapshots computed, {partial.written_count:,} written, {partial.deleted_count:,} deleted"
    )
    print(f"snapshots: {getattr(result, 'snapshot_count', '?')}")


if __name__ == "__main__":
    main()
