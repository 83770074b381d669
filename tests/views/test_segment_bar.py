"""Building a segment of several conditions in the segment bar, by plain links and GET forms:
each applied condition is a chip whose link removes it, a form adds another dimension's value
(never one of a dimension already used, never a fifth), and both keep the page's other
parameters. Saving the segment from the bar works with several conditions."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.models import Segment
from tests.segment_data import TODAY, mrr_by_hand
from tests.segment_multi_data import multi_company_write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_may")]
APRIL = Period("month", month_index(TODAY) - 1)
APRIL_END = APRIL.start.replace(day=30)


class Bar(HTMLParser):
    """What a page's segment bar offers: the chips' links (by condition), the add form's
    hidden fields and options, the save form's fields, the reset link."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.chips: dict[str, str] = {}
        self.chip_words: list[str] = []
        self.add_hidden: list[tuple[str, str]] = []
        self.add_groups: list[str] = []
        self.add_options: list[str] = []
        self.save: dict[str, str] = {}
        self.reset: str | None = None
        self._form = ""
        self._chip = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        classes = a.get("class", "").split()
        if tag == "form":
            self._form = next((c for c in ("segment-add", "segment-save") if c in classes), "")
        elif tag == "a" and "segment-chip" in classes:
            self.chips[a["data-condition"]] = a["href"]
            self.chip_words.append("")
            self._chip = True
        elif tag == "a" and "segment-reset" in classes:
            self.reset = a["href"]
        elif self._form == "segment-add" and tag == "input" and a.get("type") == "hidden":
            self.add_hidden.append((a["name"], a["value"]))
        elif self._form == "segment-add" and tag == "optgroup":
            self.add_groups.append(a["label"])
        elif self._form == "segment-add" and tag == "option":
            self.add_options.append(a["value"])
        elif self._form == "segment-save" and tag == "input" and a.get("type") == "hidden":
            self.save[a["name"]] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = ""
        elif tag == "a":
            self._chip = False

    def handle_data(self, data: str) -> None:
        if self._chip and data.strip():
            self.chip_words[-1] = f"{self.chip_words[-1]} {data.strip()}".strip()


def _params(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


def _tile(response, key: str):
    return next(t for t in response.context["tiles"] if t.key == key)


@pytest.fixture
def company(segment_company):
    return segment_company


def test_a_country_then_a_plan_added_then_the_country_removed_on_the_dashboard(
    client_as, vera, company
):
    client = client_as(vera)
    first = client.get(
        f"/w/acme/?grain=month&period={APRIL.label}&compare=last_year&segment=country:DE"
    )
    bar = Bar(first.content.decode())
    assert list(bar.chips) == ["country:DE"]
    assert bar.add_groups == ["Plan"]  # not "Country": two countries match nobody
    assert bar.add_options == ["country:DE;plan:Basic", "country:DE;plan:Pro"]
    page = [("grain", "month"), ("period", APRIL.label), ("compare", "last_year")]
    assert bar.add_hidden == page

    # The form as a browser sends it: its hidden fields, then the chosen option.
    both = client.get("/w/acme/", [*bar.add_hidden, ("segment", "country:DE;plan:Pro")])
    assert both.status_code == 200
    assert _tile(both, "mrr").value == mrr_by_hand(APRIL_END, country="DE", plan="Pro")
    assert _tile(both, "mrr").value != mrr_by_hand(APRIL_END, country="DE")
    bar = Bar(both.content.decode())
    assert list(bar.chips) == ["country:DE", "plan:Pro"]
    assert _params(bar.chips["country:DE"]) == [*page, ("segment", "plan:Pro")]
    assert _params(bar.chips["plan:Pro"]) == [*page, ("segment", "country:DE")]
    assert bar.add_options == []  # Plan and Country used; this company has no channels
    assert 'class="segment-add"' not in both.content.decode()

    without_country = client.get(f"/w/acme/{bar.chips['country:DE']}")
    assert without_country.context["segment"].text == "plan:Pro"
    assert _tile(without_country, "mrr").value == mrr_by_hand(APRIL_END, plan="Pro")
    last = Bar(without_country.content.decode())
    assert list(last.chips) == ["plan:Pro"]
    assert last.chips["plan:Pro"] == last.reset
    assert _params(last.reset) == page
    assert last.add_options == ["plan:Pro;country:DE", "plan:Pro;country:US"]


def test_the_chips_read_in_the_persons_language(client_as, vera, company):
    vera.language = "de"
    vera.save(update_fields=["language"])
    html = client_as(vera).get("/w/acme/?segment=country:DE;plan:Pro").content.decode()
    words = Bar(html).chip_words
    assert words == ["Land: Deutschland – entfernen ×", "Tarif: Pro – entfernen ×"]
    assert "Bedingung hinzufügen" not in html  # nothing left to add here


def test_without_a_segment_there_is_nothing_to_remove_or_add(client_as, vera, company):
    bar = Bar(client_as(vera).get("/w/acme/").content.decode())
    assert bar.chips == {} and bar.add_options == [] and bar.reset is None


def test_only_unused_dimensions_are_offered_and_four_conditions_are_the_most(
    client_as, vera, workspace
):
    multi_company_write(workspace)
    client = client_as(vera)
    three = client.get("/w/acme/kpis/mrr/?grain=quarter&segment=country:DE;plan:Pro;channel:Ads")
    bar = Bar(three.content.decode())
    assert bar.add_groups == ["Campaign"]
    assert bar.add_options == ["country:DE;plan:Pro;channel:Ads;campaign:Spring"]
    assert bar.add_hidden == [("grain", "quarter")]

    four = client.get("/w/acme/kpis/mrr/", [*bar.add_hidden, ("segment", bar.add_options[0])])
    html = four.content.decode()
    bar = Bar(html)
    assert len(bar.chips) == 4
    assert 'class="filter-bar segment-add"' not in html and bar.add_options == []
    assert "A segment has at most four conditions: remove one to add another." in html
    assert _params(bar.chips["channel:Ads"]) == [
        ("grain", "quarter"), ("segment", "country:DE;plan:Pro;campaign:Spring"),
    ]  # fmt: skip

    # Two values of one dimension (typed in the address): each removable, no third country.
    twice = Bar(client.get("/w/acme/?segment=country:DE;country:AT").content.decode())
    assert list(twice.chips) == ["country:DE", "country:AT"]
    assert dict(_params(twice.chips["country:DE"]))["segment"] == "country:AT"
    assert {text.split(";")[-1].partition(":")[0] for text in twice.add_options} == {
        "plan", "channel", "campaign",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("page", "kept"),
    [("/w/acme/mrr/", ("grain", "quarter")), ("/w/acme/cohorts/", ("measure", "revenue"))],
)
def test_the_movements_and_the_cohorts_keep_their_parameters(client_as, vera, company, page, kept):
    html = client_as(vera).get(page, [kept, ("segment", "plan:Basic")]).content.decode()
    bar = Bar(html)
    assert bar.add_hidden == [kept]
    assert bar.add_options == ["plan:Basic;country:DE", "plan:Basic;country:US"]
    assert _params(bar.chips["plan:Basic"]) == [kept]


def test_an_editor_saves_a_segment_of_two_conditions_from_the_bar(client_as, erik, company):
    client = client_as(erik)
    shown = client.get("/w/acme/?grain=year&segment=country:DE;plan:Pro")
    save = Bar(shown.content.decode()).save
    assert save["segment"] == "country:DE;plan:Pro"
    made = client.post("/w/acme/segments/", {**save, "name": "DE Pro"})
    assert made.status_code == 302
    assert ("grain", "year") in _params(made.url)
    assert ("segment", "country:DE;plan:Pro") in _params(made.url)
    with workspace_scope(company.id):
        assert [(s.name, s.text) for s in Segment.objects.all()] == [
            ("DE Pro", "country:DE;plan:Pro")
        ]
    after = client.get(made.url)
    assert after.context["segment"].name == "DE Pro"
    bar = Bar(after.content.decode())
    assert list(bar.chips) == ["country:DE", "plan:Pro"] and bar.save == {}
