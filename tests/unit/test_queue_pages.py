"""The queue's pages: who may open the console, what the booth and fair pages offer whom, and the
fair form's switch for showing places in line."""

import re

import pytest
from django.urls import reverse

from rooms.models import Fair
from tests.conftest import client_for
from tests.unit.test_staff_area import fair_form

pytestmark = pytest.mark.django_db


def positions_box(page: bytes) -> str:
    boxes: list[str] = re.findall(r'<input[^>]*name="queue_positions_visible"[^>]*>', page.decode())
    return boxes[0]


def test_the_fair_form_saves_whether_candidates_see_their_place(organiser, cpi):
    client = client_for(organiser)
    assert " checked" in positions_box(client.get(reverse("staff:fair_create")).content)
    created = fair_form(cpi, queue_positions_visible="on")
    assert client.post(reverse("staff:fair_create"), created).status_code == 302
    fair = Fair.objects.get()
    assert fair.queue_positions_visible

    data = fair_form(cpi)  # an unchecked box is simply absent from the post
    assert client.post(reverse("staff:fair_edit", args=[fair.pk]), data).status_code == 302
    assert not Fair.objects.get().queue_positions_visible
    edit_page = client.get(reverse("staff:fair_edit", args=[fair.pk])).content
    assert " checked" not in positions_box(edit_page)

    data["queue_positions_visible"] = "on"
    assert client.post(reverse("staff:fair_edit", args=[fair.pk]), data).status_code == 302
    assert Fair.objects.get().queue_positions_visible
