from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import CandidateSignupForm, LoginForm
from accounts.services import candidate_register


class SignInView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("frontend:home")
    form = CandidateSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = candidate_register(
                full_name=data["full_name"],
                password=data["password"],
                email=data["email"],
                phone=data["phone"],
                preferred_language=get_language() or "it",
                share_with_employers=data["share_with_employers"],
            )
        except (IntegrityError, ValidationError):
            # Two sign-ups with the same email or number at once: the form's check ran for both,
            # and the second fails at the model's check or at the database's constraint.
            form.add_error(
                None, _("An account with this email or mobile number exists. Sign in instead.")
            )
        else:
            login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("frontend:home")
    status = 400 if form.is_bound else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)
