"""Forms of the matching pages: fair series, pre-selection filters, the candidate's search and
place."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from employers.models import SectorSection, Vacancy
from employers.places import place_choices
from frontend.forms import (
    COMMON_ZONES,
    ClockInput,
    DayInput,
    StyledForm,
    codes_from_text,
    nuts_codes_field,
    occupation_codes_field,
)
from rooms.models import FAIR_LANGUAGES, FairSeries


class FairSeriesForm(forms.ModelForm[FairSeries]):
    nuts_text = nuts_codes_field()
    occupations_text = occupation_codes_field()
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=FAIR_LANGUAGES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = FairSeries
        fields = [
            "title",
            "description",
            "organiser",
            "sectors",
            "region",
            "rule",
            "weekday",
            "nth",
            "every_weeks",
            "starts_on",
            "start_time",
            "duration_minutes",
            "timezone",
            "languages",
            "ahead",
            "active",
        ]
        widgets = {
            "sectors": forms.CheckboxSelectMultiple,
            "starts_on": DayInput(),
            "start_time": ClockInput(),
            "timezone": forms.Select(choices=[(zone, zone) for zone in COMMON_ZONES]),
        }

    def __init__(self, *args: Any, organisers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers  # type: ignore[attr-defined]
        self.fields["sectors"].queryset = SectorSection.objects.filter(  # type: ignore[attr-defined]
            classification=SectorSection.Classification.NACE_REV2_1_ATECO_2025
        )
        if self.instance.pk:
            self.fields["nuts_text"].initial = ", ".join(self.instance.nuts_codes)
            self.fields["occupations_text"].initial = ", ".join(self.instance.occupation_filter)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.instance.nuts_codes = codes_from_text(cleaned.get("nuts_text", ""))
        self.instance.occupation_filter = codes_from_text(cleaned.get("occupations_text", ""))
        return cleaned


class VacancySkillsForm(StyledForm):
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One per line: the skill's name, then a vertical bar and its ESCO address if you "
            "know it, e.g. “use Python | http://data.europa.eu/esco/skill/…”. Only skills with "
            "an ESCO address count in the match score."
        ),
    )

    @staticmethod
    def initial_for(skills: list[dict[str, str]]) -> dict[str, str]:
        lines = [
            " | ".join(part for part in (s.get("label", ""), s.get("uri", "")) if part)
            for s in skills
        ]
        return {"skills": "\n".join(lines)}

    def clean_skills(self) -> list[dict[str, str]]:
        """Lines into [{"uri", "label"}]; the service checks them."""
        skills = []
        for line in str(self.cleaned_data["skills"]).splitlines():
            name, _bar, address = (part.strip() for part in line.partition("|"))
            if not address and name.startswith(("http://", "https://")):
                name, address = "", name
            if name or address:
                skills.append({"uri": address, "label": name})
        return skills


class PreselectionFilterForm(StyledForm):
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("score", _("Match score")), ("name", _("Name"))],
    )
    min_score = forms.IntegerField(
        label=_("Lowest score"), required=False, min_value=0, max_value=100
    )
    language = forms.ChoiceField(
        label=_("Speaks"), required=False, choices=[("", _("Any language")), *FAIR_LANGUAGES]
    )
    place = forms.ChoiceField(
        label=_("Lives"),
        required=False,
        choices=[
            ("", _("Anywhere")),
            ("province", _("In the job's province")),
            ("region", _("In the job's region")),
            ("country", _("In the job's country")),
        ],
    )


class StaffVacancySearchForm(StyledForm):
    q = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=100,
        help_text=_("Title, employer, place, or the reference at the source."),
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("All sources")), *Vacancy.Source.choices],
    )


class VacancySearchForm(StyledForm):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=100)
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        required=False,
        queryset=SectorSection.objects.none(),
        empty_label=_("All sectors"),
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=60)

    def __init__(self, *args: Any, sectors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].queryset = sectors  # type: ignore[attr-defined]


class PlaceForm(StyledForm):
    # A native select with a group per region (its provinces) and one of countries: usable on
    # a phone and with a screen reader, built in the request's language.
    nuts = forms.ChoiceField(
        label=_("Where you live"),
        required=False,
        choices=place_choices,
        help_text=_("Your province, or your region; outside Italy, your country."),
    )
    willing_to_relocate = forms.BooleanField(
        label=_("I am willing to move for work (also abroad, with EURES)"), required=False
    )
