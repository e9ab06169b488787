"""Forms of the CV pages: the candidate's upload, photo and account deletion; the CPI review."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from candidates.models import CandidateProfile, CVVersion
from candidates.services import REVIEW_OUTCOMES
from frontend.forms import StyledForm
from rooms.models import Fair

CV_ACCEPT = ",".join(
    [
        ".pdf",
        ".docx",
        ".xml",
        "application/pdf",
        "application/xml",
        "text/xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
)


class CVUploadForm(StyledForm):
    file = forms.FileField(
        label=_("Your CV file"), widget=forms.ClearableFileInput(attrs={"accept": CV_ACCEPT})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, Word (DOCX) or the Europass XML file, at most %(mb)d MB. The Europass file "
            "gives the fastest check."
        ) % {"mb": settings.CV_MAX_BYTES // (1024 * 1024)}


class PhotoForm(StyledForm):
    photo = forms.FileField(
        label=_("Your photo"),
        help_text=_("JPEG, PNG or WebP. We remove the place and other hidden data from it."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def _radios() -> forms.RadioSelect:
    # Native radio buttons, labelled by their text; StyledForm's input class does not fit them.
    return forms.RadioSelect(attrs={"class": "me-2"})


class ContactForm(StyledForm):
    preferred_channel = forms.ChoiceField(
        label=_("Send me interview messages"),
        choices=CandidateProfile.Channel.choices,
        widget=_radios(),
    )


class AccountDeleteForm(StyledForm):
    """Proof it is really them: the password, or a typed phrase for accounts without one
    (signed in with SPID or CIE)."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["confirmation"] = forms.CharField(
                label=_("Your password"),
                widget=forms.PasswordInput(
                    attrs={"autocomplete": "current-password", "class": "form-control"}
                ),
            )
        else:
            self.fields["confirmation"] = forms.CharField(
                label=_("Type %(phrase)s to confirm") % {"phrase": self.phrase},
                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control"}),
            )

    @property
    def phrase(self) -> str:
        return str(_("DELETE"))

    def clean_confirmation(self) -> str:
        value = str(self.cleaned_data["confirmation"])
        if self.user.has_usable_password():
            if not self.user.check_password(value):
                raise forms.ValidationError(_("The password is not right."))
        elif value.strip().casefold() != self.phrase.casefold():
            raise forms.ValidationError(_("Type %(phrase)s exactly.") % {"phrase": self.phrase})
        return value


PENDING = "pending"
ALL = "all"


class CVQueueFilterForm(StyledForm):
    fair = forms.ModelChoiceField(
        label=_("Fair"),
        queryset=Fair.objects.none(),
        required=False,
        empty_label=_("All candidates"),
        help_text=_("Candidates who joined a line at one of the fair's booths."),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[(PENDING, _("To review")), (ALL, _("All states")), *CVVersion.State.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fair"].queryset = Fair.objects.exclude(  # type: ignore[attr-defined]
            status=Fair.Status.DRAFT
        ).order_by("-starts_at")


DECLARED = "declared"
CHECKED = "checked"


class CVReviewForm(StyledForm):
    identity_method = forms.ChoiceField(
        label=_("Identity checked by"),
        required=False,
        widget=_radios(),
        help_text=_("Leave empty if you did not check it now."),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), widget=_radios())
    note = forms.CharField(
        label=_("Note for the candidate"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what to change when you ask for changes or reject the CV."),
    )

    def __init__(self, *args: Any, qualifications: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["identity_method"].choices = [  # type: ignore[attr-defined]
            ("", _("Not checked now")),
            *CVVersion.IdentityMethod.choices,
        ]
        self.fields["outcome"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in CVVersion.State.choices if value in REVIEW_OUTCOMES
        ]
        self.qualification_fields: list[tuple[str, str]] = []
        for item in qualifications:
            name = f"q_{item['item']}"
            self.fields[name] = forms.ChoiceField(
                label=item["label"],
                choices=[(DECLARED, _("Declared")), (CHECKED, _("Checked by me"))],
                initial=CHECKED if item["checked"] else DECLARED,
                widget=_radios(),
            )
            self.qualification_fields.append((name, item["item"]))

    @property
    def qualification_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _item in self.qualification_fields]

    def qualification_checks(self) -> list[dict[str, Any]]:
        return [
            {"item": item, "checked": self.cleaned_data[name] == CHECKED}
            for name, item in self.qualification_fields
        ]
