from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairplatform.errors import DomainError


class DomainErrorMiddleware:
    """A DomainError raised by a service or selector becomes a 4xx page with its message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(
            request,
            "frontend/error.html",
            {"message": exception.message, "code": exception.code},
            status=exception.http_status,
        )
