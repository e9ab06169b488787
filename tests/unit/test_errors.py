import pytest
from django.core.exceptions import ValidationError

from fairplatform.errors import unique_or
from rooms.models import Booth
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_unique_race_becomes_a_validation_error_and_the_transaction_goes_on():
    booth = factories.booth()
    with pytest.raises(ValidationError, match="taken"), unique_or(ValidationError("taken")):
        Booth.objects.create(fair=booth.fair, employer=booth.employer)
    assert Booth.objects.count() == 1  # still usable: the savepoint took the failed insert


def test_an_unknown_address_gets_our_page_with_the_menu_and_a_way_back(client):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert "frontend/base.html" in [t.name for t in response.templates]
    assert "Page not found" in response.content.decode()
