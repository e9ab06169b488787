from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from fairplatform.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    *i18n_patterns(
        path("accounts/", include("accounts.urls")),
        path("staff/", include("frontend.staff_urls")),
        path("candidates/", include("candidates.urls")),
        path("", include("frontend.urls")),
        prefix_default_language=False,
    ),
]
if settings.SERVE_MEDIA:
    # In production the proxy serves uploads (docs/operations.md); Django does it for the demo.
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )
