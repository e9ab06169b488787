from typing import Any

from django.http import HttpRequest

from accounts.permissions import Perm, can


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"show_staff_area": can(request.user, Perm.STAFF_AREA_ENTER)}
