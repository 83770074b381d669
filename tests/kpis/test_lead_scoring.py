"""Lead scoring: golden cases of the score (kpis/lead_scoring.py) and of the backtest on a
hand-built workspace (selectors/lead_scoring.py), expected values worked out in the test."""

from datetime import date, timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis import lead_scoring as ls
from kpiapp.models import Account, Channel, Deal, Lead, LeadScoringRule, Touchpoint
from kpiapp.selectors import lead_scoring as sel

AS_OF = date(2026, 6, 30)
SIZE = ls.Rule(1, "company_size", "Mid-sized", 20, minimum=50, maximum=1000)
SMALL = ls.Rule(2, "company_size", "Tiny", -30, maximum=9)
GERMANY = ls.Rule(3, "country", "Germany", 10, value="de")
SOFTWARE = ls.Rule(4, "industry", "Software", 15, value="software")
ACTIVE = ls.Rule(5, "recent_touchpoints", "Three in 30 days", 25, minimum=3)
DEMO = ls.Rule(6, "touchpoint_type", "Demo", 40, value="demo")
RULES = [SIZE, SMALL, GERMANY, SOFTWARE, ACTIVE, DEMO]


def days_ago(n: int) -> date:
    return AS_OF - timedelta(days=n)


def test_a_lead_scores_the_points_of_the_rules_it_meets_with_each_as_a_reason():
    company = ls.Company(industry=" Software ", employees=120, country="DE")
    visits = ((days_ago(0), "visit"), (days_ago(10), "email"), (days_ago(29), "visit"))
    score = ls.score_lead(RULES, ls.LeadFacts(company, visits), AS_OF)
    assert score.score == SIZE.points + GERMANY.points + SOFTWARE.points + ACTIVE.points
    assert [r.rule_id for r in score.reasons] == [SIZE.id, GERMANY.id, SOFTWARE.id, ACTIVE.id]
    assert (score.reasons[0].label, score.reasons[0].points) == (SIZE.label, SIZE.points)


def test_the_30_days_end_on_the_day_and_later_touchpoints_do_not_count_yet():
    # the 30th day back is outside; a demo tomorrow has not happened on AS_OF
    touchpoints = ((days_ago(0), "visit"), (days_ago(29), "visit"), (days_ago(30), "visit"),
                   (AS_OF + timedelta(days=1), "demo"))  # fmt: skip
    facts = ls.LeadFacts(None, touchpoints)
    two = ls.Rule(7, "recent_touchpoints", "Two in 30 days", 5, minimum=2)
    assert ls.rule_matches(two, facts, AS_OF)  # today and 29 days ago are inside
    assert not ls.rule_matches(ACTIVE, facts, AS_OF)  # 30 days ago is not: two, not three
    assert not ls.rule_matches(DEMO, facts, AS_OF)
    assert ls.rule_matches(DEMO, facts, AS_OF + timedelta(days=1))


def test_the_score_stays_within_0_and_100():
    tiny = ls.LeadFacts(ls.Company(employees=3))
    assert ls.score_lead(RULES, tiny, AS_OF) == ls.Score(0, (ls.Reason(2, "Tiny", -30),))
    busy = ((days_ago(1), "demo"), (days_ago(2), "visit"), (days_ago(3), "visit"))
    everything = ls.LeadFacts(ls.Company("software", 50, "DE"), busy)
    total = SIZE.points + GERMANY.points + SOFTWARE.points + ACTIVE.points + DEMO.points
    assert total > 100 and ls.score_lead(RULES, everything, AS_OF).score == 100


def test_fit_rules_ignore_an_account_made_after_the_day_and_a_lead_without_one():
    later = ls.LeadFacts(ls.Company("Software", 200, "DE", created_at=AS_OF + timedelta(days=1)))
    assert ls.score_lead(RULES, later, AS_OF).score == 0
    assert ls.score_lead(RULES, later, AS_OF + timedelta(days=1)).score == 45
    assert ls.score_lead(RULES, ls.LeadFacts(None), AS_OF).score == 0
    unknown_size = ls.LeadFacts(ls.Company(employees=None))
    assert not ls.rule_matches(SMALL, unknown_size, AS_OF)


def test_the_backtest_counts_leads_and_conversions_per_band():
    outcomes = [(0, False), (19, True), (20, False), (55, True), (59, False), (100, True),
                (80, False), (80, True)]  # fmt: skip
    bands = ls.backtest(outcomes)
    assert [(b.low, b.high) for b in bands] == list(ls.BANDS)
    assert [(b.leads, b.converted) for b in bands] == [(2, 1), (1, 0), (2, 1), (0, 0), (3, 2)]
    assert bands[0].rate == ls.Fraction(1, 2) and bands[3].rate is None
    assert bands[4].rate == ls.Fraction(2, 3)


# --- on the database: open and decided leads, the day each is scored as of ------------------

TODAY = date(2026, 6, 30)


@pytest.fixture
def history(workspace):
    """Leads whose scores and outcomes the tests work out by hand."""
    with workspace_scope(workspace.id):
        web = Channel.objects.create(name="Web", key="web")
        LeadScoringRule.objects.create(
            kind="touchpoint_type", label="Demo", points=50, value="demo"
        )
        LeadScoringRule.objects.create(kind="country", label="Germany", points=30, value="DE")
        LeadScoringRule.objects.create(kind="recent_touchpoints", label="Active", points=10,
                                       minimum=1)  # fmt: skip
        de = Account.objects.create(external_id="A1", name="Muster GmbH", country="DE",
                                    created_at=date(2026, 1, 1))  # fmt: skip

        def lead(ext, created, converted=None, account=None, touch=()):
            made = Lead.objects.create(external_id=ext, created_at=created, converted_at=converted,
                                       account=account, channel=web)  # fmt: skip
            for day, kind in touch:
                Touchpoint.objects.create(lead=made, occurred_at=day, channel=web, type=kind)
            return made

        d = date
        leads = {
            # decided: converted; demo 10 days after creation (inside the 30 days) -> 60
            "won_demo": lead("W1", d(2026, 1, 10), d(2026, 3, 1), de, [(d(2026, 1, 20), "demo")]),
            # decided: converted; demo 40 days after creation (after the 30 days) -> 30 + 0
            "won_late": lead("W2", d(2026, 1, 10), d(2026, 4, 1), de, [(d(2026, 2, 19), "demo")]),
            # decided: converted on day 4, its demo on day 6 came after -> scored as of day 3: 0
            "won_fast": lead("W3", d(2026, 3, 1), d(2026, 3, 5), None, [(d(2026, 3, 7), "demo")]),
            # decided: lost deal; a visit on its first day -> 10
            "lost": lead("X1", d(2026, 5, 1), None, None, [(d(2026, 5, 1), "visit")]),
            # decided: older than 90 days without conversion, no touchpoints -> 0
            "stale": lead("X2", d(2026, 2, 1)),
            # open: demo yesterday -> 50 + 10
            "open_hot": lead("O1", d(2026, 6, 1), touch=[(d(2026, 6, 29), "demo")]),
            # open: a visit 40 days ago (outside the 30 days today) -> 0
            "open_cold": lead("O2", d(2026, 4, 15), touch=[(d(2026, 5, 21), "visit")]),
        }
        Deal.objects.create(external_id="D1", lead=leads["lost"], name="Lost", stage="lost",
                            created_at=d(2026, 5, 2), closed_at=d(2026, 5, 20),
                            amount_cents=0, currency="EUR")  # fmt: skip
    return leads


@pytest.mark.django_db
def test_open_leads_are_listed_hottest_first_with_their_reasons(workspace, history):
    with workspace_scope(workspace.id):
        page, rows = sel.hottest_leads(TODAY, 1)
    assert [row.lead.external_id for row in rows] == ["O1", "O2"]
    assert [row.score.score for row in rows] == [50 + 10, 0]
    assert [r.label for r in rows[0].score.reasons] == ["Active", "Demo"]  # in reading order
    assert page.paginator.count == 2


@pytest.mark.django_db
def test_the_backtest_scores_decided_leads_30_days_after_creation(workspace, history):
    # won_demo: 50 (demo) + 30 (DE) + 10 (active) = 90 -> band 80-100, converted
    # won_late: 30 (DE; its account existed) -> band 20-39, converted
    # won_fast: 0 (its demo came after it converted) -> band 0-19, converted
    # lost: 10 (a visit on day one) -> band 0-19; stale: 0 -> band 0-19; neither converted
    with workspace_scope(workspace.id):
        bands = sel.backtest_bands(TODAY)
    assert [(b.leads, b.converted) for b in bands] == [(3, 1), (1, 1), (0, 0), (0, 0), (1, 1)]
    assert sel.backtest_chart(bands) == {
        "labels": ["0–19", "20–39", "40–59", "60–79", "80–100"],
        "rates": [round(100 / 3, 1), 100.0, None, None, 100.0],
        "leads": [3, 1, 0, 0, 1],
    }


@pytest.mark.django_db
def test_the_api_score_of_a_decided_lead_is_the_one_the_backtest_counts(workspace, history):
    with workspace_scope(workspace.id):
        scores = sel.lead_scores(list(history.values()), TODAY)
    assert scores[history["won_demo"].pk].score == 90
    assert scores[history["won_late"].pk].score == 30  # its demo came after the 30 days
    assert scores[history["won_fast"].pk].score == 0  # its demo came after it converted
    assert scores[history["open_hot"].pk].score == 60
    assert scores[history["open_cold"].pk].score == 0
