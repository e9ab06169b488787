from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from candidates.models import CandidateProfile
from employers.models import Comune, Employer, SyncRun, Vacancy
from rooms import demo_data
from rooms.demo_data import FIXED_CANDIDATES, QUEUE_LENGTHS
from rooms.models import Booking, Booth, Fair, QueueEntry, Slot

pytestmark = pytest.mark.django_db


def test_demo_needs_debug_or_an_explicit_flag():
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
    assert not Fair.objects.exists()


def test_demo_fair_is_live_and_realistic_and_loads_once(capsys):
    call_command("seed_demo", "--allow-production")
    live = Fair.objects.get(status=Fair.Status.LIVE)
    assert live.booths.count() >= 6
    assert Employer.objects.exclude(logo="").count() >= 6
    assert Vacancy.objects.count() >= 20
    assert set(Vacancy.objects.values_list("occupation_isco", flat=True)) >= {"2512"}
    # Every vacancy is in a comune of the demo's few, with its province: places show.
    assert not Vacancy.objects.filter(nuts3="").exists()
    napoli = Vacancy.objects.filter(place="Napoli").first()
    assert napoli is not None
    assert (napoli.comune_istat, napoli.nuts3) == ("063049", "ITF33")
    assert Comune.objects.count() == len(demo_data.COMUNI)
    assert not CandidateProfile.objects.filter(nuts="").exists()
    assert CandidateProfile.objects.count() >= 30
    waiting = QueueEntry.objects.filter(booth__fair=live, state="waiting")
    assert waiting.count() == sum(QUEUE_LENGTHS)
    fixed = [person["email"] for person in FIXED_CANDIDATES]
    assert not waiting.filter(candidate__email__in=fixed).exists()  # free to try joining
    slots = Slot.objects.filter(fair=live)
    assert slots.count() == demo_data.AGENDA_BOOTHS * demo_data.AGENDA_SLOTS_PER_BOOTH
    assert slots.values("booth").distinct().count() == demo_data.AGENDA_BOOTHS
    [booked] = Booking.objects.filter(slot__fair=live)
    assert booked.candidate.email == demo_data.AGENDA_BOOKED_BY
    assert booked.state == Booking.State.BOOKED
    assert "demo-fiera-2026" in capsys.readouterr().out
    [invited] = Booth.objects.filter(participation=Booth.Participation.INVITED)
    assert invited.fair.status == Fair.Status.PUBLISHED and invited.vacancies.exists()
    # A EURES feed the organiser imported: jobs abroad, and one record refused with its reason.
    [feed] = SyncRun.objects.all()
    assert (feed.source, feed.status, feed.created, feed.rejected) == ("eures", "succeeded", 3, 1)
    assert feed.rejections.get().reason == "bad_occupation"
    assert Vacancy.objects.filter(source=Vacancy.Source.EURES, nuts3="NO0A1").exists()
    users = User.objects.count()
    call_command("seed_demo", "--allow-production")
    assert User.objects.count() == users
    assert SyncRun.objects.count() == 1  # the feed is not imported twice


def test_an_old_demo_comes_back_live_with_everything_moved_alike(capsys):
    call_command("seed_demo", "--allow-production")
    live = Fair.objects.get(status=Fair.Status.LIVE)
    [booking] = Booking.objects.filter(slot__fair=live)
    gap = booking.slot.starts_at - live.starts_at
    expiry = Vacancy.objects.order_by("pk").values_list("expires_on", flat=True).first()
    # Ten days and a few hours later, the fair long over (beat closed it).
    later = timezone.now() + timedelta(days=10, hours=5)
    Fair.objects.filter(pk=live.pk).update(status=Fair.Status.CLOSED)

    with patch("django.utils.timezone.now", return_value=later):
        call_command("seed_demo", "--allow-production")

    live.refresh_from_db()
    booking.slot.refresh_from_db()
    assert live.status == Fair.Status.LIVE
    assert live.starts_at <= later < live.ends_at
    assert booking.slot.starts_at - live.starts_at == gap
    moved = Vacancy.objects.order_by("pk").values_list("expires_on", flat=True).first()
    assert expiry is not None and moved == expiry + timedelta(days=10)
    assert "every date moved 10 days on" in capsys.readouterr().out
