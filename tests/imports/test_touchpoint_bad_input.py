"""The bad-input corpus for `touchpoints` files: each mistake is named precisely and nothing
is imported; a contact before the lead's creation is imported, and the check says so (in the
uploader's language)."""

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Campaign, Channel, ImportStatus, Lead, Touchpoint
from kpiapp.services import imports as service
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db

HEADER = "lead,account,occurred_at,channel,campaign,type\n"
GOOD = "L1,,2025-01-12,Paid Ads,Spring,ad_click\n"  # line 2 of every file below


def counts():
    return tuple(m.objects.count() for m in (Touchpoint, Channel, Campaign, Lead, Account))


@pytest.fixture
def people(run_import, scoped):
    assert run_import("accounts", "external_id,name\nA1,Alpha GmbH\n").ok
    leads = "external_id,created_at,account,channel,campaign\nL1,2025-01-10,A1,Paid Ads,Spring\n"
    assert run_import("leads", leads).ok
    return scoped


@pytest.mark.parametrize(
    ("row", "column", "value", "fragments"),
    [
        ("L404,,2025-01-12,Paid Ads,,visit", "lead", "L404", ["No such lead"]),
        (",A404,2025-01-12,Paid Ads,,visit", "account", "A404", ["No such account"]),
        (",,2025-01-12,Paid Ads,,visit", "lead", "", ["Name the lead or the account"]),
        ("L1,A1,2025-01-12,Paid Ads,,visit", "account", "A1", ["not both"]),
        ("L1,,2025-01-12,Paid Ads,,fax", "type", "fax", ["Not one of", "webinar", "referral"]),
        ("L1,,2025-01-12,Paid Ads,,", "type", "", ["Required"]),
        ("L1,,2025-01-12,,,visit", "channel", "", ["Required"]),
        ("L1,,2025-01-12,Events,Spring,event", "campaign", "Spring", ["belongs to the channel"]),
        ("L1,,2025-13-01,Paid Ads,,visit", "occurred_at", "2025-13-01", ["Not a real date"]),
        ("L1,,2099-01-12,Paid Ads,,visit", "occurred_at", "2099-01-12", ["future"]),
    ],
)
def test_a_bad_touchpoint_is_named_and_nothing_is_imported(
    run_import, people, row, column, value, fragments
):
    before = counts()
    result = run_import("touchpoints", HEADER + GOOD + row + "\n")
    assert not result.ok
    assert [(e.line, e.column, e.value) for e in result.errors] == [(3, column, value)]
    for fragment in fragments:
        assert fragment.lower() in result.errors[0].message.lower(), result.errors
    assert result.notes == []
    assert counts() == before  # not the good row, not a new channel or campaign


def test_an_unknown_channel_or_campaign_is_created_with_the_touchpoint(run_import, people):
    """The importer's rule for channels and campaigns, as for leads: a new name is a new one."""
    result = run_import("touchpoints", HEADER + "L1,,2025-01-12,Podcast,Folge 12,visit\n")
    assert result.ok, result.errors
    (touchpoint,) = Touchpoint.objects.all()
    assert (touchpoint.channel.name, touchpoint.campaign.name) == ("Podcast", "Folge 12")
    assert touchpoint.campaign.channel == touchpoint.channel


EARLY = HEADER + GOOD + "L1,,2025-01-03,Paid Ads,,visit\nL1,,2025-01-09,Paid Ads,,email\n"


def test_a_contact_before_the_lead_was_created_is_imported_and_noted(run_import, people):
    check = run_import("touchpoints", EARLY, dry_run=True)
    assert check.ok and check.created == 3
    assert check.notes == [
        "2 touchpoints lie before the day their lead was created (lines 3, 4). They are imported "
        "as they are: the click or visit that brings a lead in often comes first. Check the "
        "dates if that is not what happened."
    ]
    assert Touchpoint.objects.count() == 0  # the check writes nothing

    result = run_import("touchpoints", EARLY)
    assert result.ok and result.created == 3
    assert result.notes == check.notes
    lead = Lead.objects.get()
    assert Touchpoint.objects.filter(occurred_at__lt=lead.created_at).count() == 2


def test_a_file_without_early_contacts_has_no_note(run_import, people):
    on_time = HEADER + GOOD + ",A1,2024-01-01,Sales,,demo\n"  # an account's contact: no lead
    result = run_import("touchpoints", on_time)
    assert result.ok and result.notes == []


def test_a_file_with_errors_has_no_notes(run_import, people):
    result = run_import("touchpoints", EARLY + "L404,,2025-01-12,Paid Ads,,visit\n")
    assert not result.ok and result.notes == []


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Worth a look", "1 touchpoint lies before the day its lead was created (line 3)"]),
        (
            "de",
            [
                "Hinweise",
                "1 Kontaktpunkt liegt vor dem Tag, an dem sein Lead angelegt wurde (Zeile 3)",
            ],
        ),
    ],
)
def test_the_check_summary_shows_the_note_in_the_uploaders_language(
    client_as, run_import, workspace, alice, language, words, django_capture_on_commit_callbacks
):
    alice.language = language
    alice.save(update_fields=["language"])
    data = (HEADER + GOOD + "L1,,2025-01-03,Paid Ads,,visit\n").encode()
    with workspace_scope(workspace.id):
        assert run_import("leads", "external_id,created_at\nL1,2025-01-10\n").ok
        job = service.import_job_create(
            membership=membership_of(alice, workspace),
            kind="touchpoints",
            filename="t.csv",
            data=data,
        )
        with django_capture_on_commit_callbacks(execute=True):
            service.import_job_set_mapping(job=job, columns=job.columns, values={})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    (note,) = job.result["notes"]
    assert words[1] in note

    page = client_as(alice).get(f"/w/{workspace.slug}/data/touchpoints/import/{job.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    for word in words:
        assert word in text
