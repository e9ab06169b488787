from typing import Any

from django.http import HttpRequest

from accounts.permissions import Perm, can


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "show_staff_area": can(user, Perm.STAFF_AREA_ENTER),
        "show_my_cv": user.is_authenticated and hasattr(user, "candidate_profile"),
    }
