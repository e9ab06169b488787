"""Organisers import files and read every run, with each rejected record and its reason."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, User
from employers.models import SyncRejection, SyncRun, Vacancy
from fairplatform.models import AuditEntry
from tests import factories
from tests.conftest import client_for
from tests.vacancies.xml_samples import cliclavoro

pytestmark = pytest.mark.django_db


def upload(client, content: str, source: str = "cliclavoro"):
    return client.post(
        reverse("staff:vacancy_imports"),
        {"source": source, "file": SimpleUploadedFile("offerte.xml", content.encode())},
    )


def test_an_organiser_imports_a_file_and_reads_its_rejections(organiser):
    factories.sector()
    client = client_for(organiser)
    content = f"<V>{cliclavoro(number=1)}{cliclavoro(number=2, title=' ')}</V>"

    response = upload(client, content)

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:vacancy_import", args=[run.pk])
    assert (run.source, run.mode, run.created, run.rejected) == ("cliclavoro", "file", 1, 1)
    assert Vacancy.objects.get().source_ref == "2026/1"
    detail = client.get(response["Location"]).content.decode()
    assert "missing_title" in detail
    assert "2026/2" in detail
    assert "No title." in detail
    # The request leaves its language active; the override puts English back for what follows.
    with translation.override("it"):
        italian = client.get(reverse("staff:vacancy_import", args=[run.pk])).content.decode()
    assert "Nessun titolo." in italian
    listing = client.get(reverse("staff:vacancy_imports")).content.decode()
    assert "ClicLavoro file" in listing
    assert AuditEntry.objects.get(action="employers.vacancy_sync.succeeded").actor == organiser


def test_a_malformed_upload_shows_a_failed_run_with_the_reason(organiser):
    response = upload(client_for(organiser), "<Vacancy>")

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    page = client_for(organiser).get(response["Location"]).content.decode()
    assert "This file is not well-formed XML and cannot be read." in page


def test_an_upload_over_the_size_limit_is_refused_on_the_form(organiser, settings):
    settings.VACANCY_FILE_MAX_BYTES = 1024 * 1024

    response = upload(client_for(organiser), cliclavoro(number=1) + " " * 1024 * 1024)

    assert response.status_code == 400
    assert "The file is larger than 1 MB: split it into smaller files." in response.content.decode()
    assert not SyncRun.objects.exists()


def test_people_who_do_not_organise_cannot_see_or_import(cpi):
    recruiter = factories.member(factories.organisation(), Membership.Role.RECRUITER)
    client = client_for(recruiter)

    assert client.get(reverse("staff:vacancy_imports")).status_code == 403
    assert upload(client, cliclavoro(number=1)).status_code == 403
    assert not SyncRun.objects.exists()


def test_a_run_and_its_rejections_are_for_organisers_only(organiser):
    factories.sector()
    upload(client_for(organiser), f"<V>{cliclavoro(number=1, title=' ')}</V>")
    run = SyncRun.objects.get()
    recruiter = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    candidate = factories.user(name="Carla")
    for person in (recruiter, candidate):
        response = client_for(person).get(reverse("staff:vacancy_import", args=[run.pk]))
        assert response.status_code == 403, person
        assert "missing_title" not in response.content.decode()


def test_a_run_with_many_rejections_lists_them_a_page_at_a_time(organiser, settings):
    factories.sector()
    client = client_for(organiser)
    titles = "".join(cliclavoro(number=n, title=" ") for n in range(1, 106))
    upload(client, f"<V>{titles}</V>")
    run = SyncRun.objects.get()
    assert run.rejected == 105
    url = reverse("staff:vacancy_import", args=[run.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert first.count("No title.") == 100
    assert "Page 1 of 2" in first
    assert second.count("No title.") == 5
    assert ">2026/105<" in second and ">2026/105<" not in first


def test_a_running_run_shows_when_it_last_made_progress(organiser):
    run = SyncRun.objects.create(source=Vacancy.Source.CPI, mode=SyncRun.Mode.INCREMENTAL)
    page = client_for(organiser).get(reverse("staff:vacancy_import", args=[run.pk]))
    assert "Last progress" in page.content.decode()
    run.status = SyncRun.Status.SUCCEEDED
    run.save()
    page = client_for(organiser).get(reverse("staff:vacancy_import", args=[run.pk]))
    assert "Last progress" not in page.content.decode()


def test_an_interrupted_run_says_what_happened_in_the_readers_language(organiser):
    run = SyncRun.objects.create(
        source=Vacancy.Source.EURES, mode=SyncRun.Mode.FILE, status=SyncRun.Status.INTERRUPTED
    )
    url = reverse("staff:vacancy_import", args=[run.pk])
    page = client_for(organiser).get(url).content.decode()
    assert "The process running this import stopped without finishing" in page
    assert "Import the file again." in page
    with translation.override("it"):
        italian = client_for(organiser).get(reverse("staff:vacancy_import", args=[run.pk]))
    assert "Importa di nuovo il file." in italian.content.decode()


def test_the_admin_links_a_run_to_its_rejected_records_paged(organiser):
    factories.sector()
    upload(client_for(organiser), f"<V>{cliclavoro(number=1, title=' ')}</V>")
    upload(client_for(organiser), f"<V>{cliclavoro(number=2, title=' ')}</V>")
    run, other = SyncRun.objects.order_by("pk")
    admin = User.objects.create_superuser(
        email="root@example.org", password="x" * 12, full_name="Root"
    )
    client = client_for(admin)

    change = client.get(reverse("admin:employers_syncrun_change", args=[run.pk])).content.decode()
    listing = client.get(
        reverse("admin:employers_syncrejection_changelist"), {"run__exact": run.pk}
    )

    assert f"?run__exact={run.pk}" in change
    assert listing.status_code == 200
    assert "2026/1" in listing.content.decode() and "No title." in listing.content.decode()
    assert "2026/2" not in listing.content.decode()  # the other run's
    assert other.rejected == 1


def test_the_whole_history_of_runs_is_there_a_page_at_a_time(organiser):
    SyncRun.objects.bulk_create(
        SyncRun(source=Vacancy.Source.CPI, mode=SyncRun.Mode.INCREMENTAL) for _ in range(51)
    )
    oldest = SyncRun.objects.order_by("started_at", "pk").first()
    assert oldest is not None
    client = client_for(organiser)

    first = client.get(reverse("staff:vacancy_imports")).content.decode()
    second = client.get(reverse("staff:vacancy_imports"), {"page": 2}).content.decode()

    link = reverse("staff:vacancy_import", args=[oldest.pk])
    assert "Page 1 of 2" in first and f'href="{link}"' not in first
    assert f'href="{link}"' in second


def test_runs_older_than_the_keeping_time_are_purged_nightly_with_their_rejections(settings):
    from employers import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["sync-runs-purge"]
    assert entry["task"] == "employers.tasks.sync_runs_purge"
    now = timezone.now()
    old, recent, stuck = (
        SyncRun.objects.create(source=Vacancy.Source.CPI, mode=SyncRun.Mode.INCREMENTAL, status=s)
        for s in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.RUNNING)
    )
    SyncRejection.objects.create(run=old, reason="missing_title", problems=[])
    aged = now - timedelta(days=settings.VACANCY_SYNC_KEEP_DAYS + 1)
    SyncRun.objects.filter(pk__in=[old.pk, stuck.pk]).update(started_at=aged)

    assert tasks.sync_runs_purge.run() == 1

    assert set(SyncRun.objects.values_list("pk", flat=True)) == {recent.pk, stuck.pk}
    assert not SyncRejection.objects.exists()
