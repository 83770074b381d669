"""The deal family's loader: every deal once, with its own channel and campaign or its lead's,
and dimension groups as `GroupIndex.of` the labels would give them (same labels, same order)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kpiapp.kpis import engine, pipeline
from kpiapp.kpis.dimensions import GroupIndex, load_names
from tests.kpis.helpers import campaign, channel, deal, lead

pytestmark = pytest.mark.django_db


def test_deals_carry_their_own_labels_or_their_leads(ws):
    web, partner = channel("Web"), channel("Partner")
    spring = campaign(web, "Spring")
    fair = campaign(partner, "Fair")
    by_web = lead("2025-01-02", channel=web, campaign=spring)
    bare = lead("2025-01-03")
    deals = [
        deal(
            "won",
            owner="Ina",
            channel=partner,
            campaign=fair,
            lead=by_web,
            amount=10,
            created="2025-01-05",
        ),
        deal(
            "lost",
            owner="Bo",
            channel=partner,
            lead=by_web,
            currency="USD",
            kind="expansion",
            created="2025-01-06",
        ),
        deal("demo", owner="Ina", lead=by_web, created="2025-02-01"),
        deal("lead", owner="Ünal", lead=bare),
        deal("won", owner="Bo", kind="renewal", closed="2025-03-01", created="2025-02-02"),
    ]
    context = engine.build_context(ws, today=date(2026, 1, 15))
    channels, campaigns = load_names(workspace_id=ws.id)
    rows = pipeline.load_deals(context, channels, campaigns)

    assert rows.ids.tolist() == sorted(d.id for d in deals)
    expected_channels = ["Partner", "Partner", "Web", "", ""]
    expected_campaigns = ["Fair", "Spring", "Spring", "", ""]
    for groups, labels in (
        (rows.owner, ["Ina", "Bo", "Ina", "Ünal", "Bo"]),
        (rows.channel, expected_channels),
        (rows.campaign, expected_campaigns),
        (pipeline._kinds(rows.kind), ["new", "expansion", "new", "new", "renewal"]),
    ):
        reference = GroupIndex.of(labels)
        assert groups.labels == reference.labels
        assert groups.group.tolist() == reference.group.tolist()
    assert rows.currencies == ["EUR", "USD"]
    assert rows.currency.tolist() == [0, 1, 0, 0, 0]
    assert rows.has_amount.tolist() == [True, False, False, False, False]
    assert rows.amount.tolist() == [1000, 0, 0, 0, 0]
    assert rows.closed.tolist()[-1] == (date(2025, 3, 1) - date(1970, 1, 1)).days
    assert rows.created.tolist()[3] == -1


def test_names_group_like_a_label_per_row():
    rng = np.random.default_rng(17)
    names = {1: "A", 2: "B", 3: "A", 5: ""}  # two ids share a name; 0 and 4 have none
    for _ in range(50):
        ids = rng.integers(0, 6, size=int(rng.integers(0, 30)))
        groups = pipeline._names(ids, names)
        reference = GroupIndex.of([names.get(i, "") for i in ids.tolist()])
        assert groups.labels == reference.labels
        assert groups.group.tolist() == reference.group.tolist()
