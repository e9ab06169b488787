from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from accounts.models import User
from candidates.models import CVAccess
from candidates.selectors import access_cv_version
from candidates.services import cv_record_access


@login_required
@require_GET
def cv_file(request: HttpRequest, version_id: int) -> FileResponse:
    """The CV file itself, to those allowed to see it; every opening is logged."""
    assert isinstance(request.user, User)  # noqa: S101  (login_required guarantees it)
    version = access_cv_version(actor=request.user, version_id=version_id)
    cv_record_access(actor=request.user, version=version, via=CVAccess.Via.DOWNLOAD)
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.download_name,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Opened directly in a tab anyway, the file may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
