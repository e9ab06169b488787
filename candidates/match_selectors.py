"""Reads for the match score: recruiters' pre-selection (candidates ranked for a vacancy) and
candidates' view of a fair's vacancies ranked by their match. Scoring is employers/matching.py.

Ranking 10,000 candidates is one query on `CandidateMatchFeatures` (seven narrow columns, only
people who share their profile with employers now) and a pure-Python loop; names are read
afterwards for the rows shown only.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from accounts.permissions import Actor, Perm, can
from candidates.display import language_label
from candidates.match_features import (
    FEATURE_COLUMNS,
    features_from_row,
    match_features_ensure,
    match_features_refresh,
)
from candidates.models import CandidateMatchFeatures, CandidateProfile, ConsentRecord
from employers.matching import (
    Explanation,
    Features,
    Needs,
    explain,
    place_step,
    rank,
    vacancy_needs,
)
from employers.models import SectorSection, Vacancy
from employers.selectors import open_vacancy_filter, vacancy_in_sections
from fairplatform.errors import NotFound
from rooms.models import Booth, Fair, Invitation

PRESELECTION_ROWS = 100
# Place filter: the largest step of the ladder kept (0 province, 1 region, 2 country).
PLACE_FILTERS = {"province": 0, "region": 1, "country": 2}


def needs_of(vacancy: Vacancy) -> Needs:
    return vacancy_needs(
        isco=vacancy.occupation_isco,
        languages=vacancy.languages or [],
        eqf=vacancy.education_eqf,
        nuts3=vacancy.nuts3,
        licences=vacancy.licences or [],
        skills=vacancy.skills or [],
    )


def sharing_profiles() -> QuerySet[CandidateProfile]:
    """Profiles whose latest 'show my profile to employers' consent is a grant."""
    latest = (
        ConsentRecord.objects.filter(
            profile=OuterRef("pk"), purpose=ConsentRecord.Purpose.SHARE_WITH_EMPLOYERS
        )
        .order_by("-recorded_at", "-pk")
        .values("granted")[:1]
    )
    return CandidateProfile.objects.annotate(shares=Subquery(latest)).filter(shares=True)


def access_preselection_vacancy(*, actor: Actor, vacancy_id: int) -> Vacancy:
    """One error for 'missing' and 'not yours', so ids cannot be probed."""
    vacancy = (
        Vacancy.objects.filter(open_vacancy_filter(), pk=vacancy_id)
        .select_related("employer", "sector")
        .first()
    )
    if vacancy is None or not can(actor, Perm.VACANCY_PRESELECT, vacancy):
        raise NotFound("vacancy.not_found", _("This vacancy does not exist or is not yours."))
    return vacancy


def _employer_organisations(memberships: list[Membership]) -> list[int]:
    """The employers this person pre-selects for as one of their admins or recruiters."""
    return [
        m.organisation_id
        for m in memberships
        if m.role in (Membership.Role.EMPLOYER_ADMIN, Membership.Role.RECRUITER)
    ]


def vacancies_for_preselection(*, actor: User) -> QuerySet[Vacancy]:
    """Open vacancies this person may pre-select for: their employers', or for organisers the
    ones shown at their fairs."""
    memberships = list(actor.memberships.all())
    organiser_of = [m.organisation_id for m in memberships if m.role == Membership.Role.ORGANISER]
    return (
        Vacancy.objects.filter(open_vacancy_filter())
        .select_related("employer")
        .filter(
            Q(employer__organisation_id__in=_employer_organisations(memberships))
            | Q(booths__fair__organiser_id__in=organiser_of)
        )
        .distinct()
        .order_by("title")
    )


def vacancies_to_preselect(*, actor: User, query: str = "", source: str = "") -> QuerySet[Vacancy]:
    """Every open vacancy this person may pre-select for, searched: their employers', or for
    CPI/EURES organisers all of them (an imported vacancy often has no employer account, and
    the CPI pre-selects for it). Staff find a vacancy by its employer even when candidates
    cannot, and by its reference at the source."""
    vacancies = Vacancy.objects.filter(open_vacancy_filter()).select_related("employer")
    memberships = list(actor.memberships.all())
    if not actor.is_superuser and not any(m.role == Membership.Role.ORGANISER for m in memberships):
        vacancies = vacancies.filter(
            employer__organisation_id__in=_employer_organisations(memberships)
        )
    for word in query.split()[:8]:
        vacancies = vacancies.filter(
            Q(title__icontains=word)
            | Q(employer__legal_name__icontains=word)
            | Q(employer_name__icontains=word)
            | Q(place__icontains=word)
            | Q(source_ref__iexact=word)
        )
    if source:
        vacancies = vacancies.filter(source=source)
    return vacancies.order_by("title", "pk")


def ranked_features(
    needs: Needs, profiles: QuerySet[CandidateProfile] | None = None
) -> tuple[list[tuple[int, int]], dict[int, Features]]:
    """(score, profile id) best first, and each profile's features. One query."""
    match_features_ensure()
    rows = CandidateMatchFeatures.objects.filter(
        profile__in=(profiles if profiles is not None else sharing_profiles()).values("pk")
    ).values_list("profile_id", *FEATURE_COLUMNS)
    features = {row[0]: features_from_row(row[1:]) for row in rows}
    return rank(needs, features.items()), features


@dataclass
class PreselectionRow:
    profile: CandidateProfile
    score: int
    explanation: Explanation
    invited: bool


@dataclass
class Preselection:
    rows: list[PreselectionRow]  # this page's
    page: Page[tuple[int, int]]
    matching: int  # after filters
    total: int  # everyone sharing their profile


def preselection(
    *,
    vacancy: Vacancy,
    min_score: int = 0,
    language: str = "",
    place: str = "",
    sort: str = "score",
    page: int | str | None = 1,
    per_page: int = PRESELECTION_ROWS,
) -> Preselection:
    """Everyone who matches the filters, best first or by name, a page at a time."""
    needs = needs_of(vacancy)
    ranked, features = ranked_features(needs)
    max_step = PLACE_FILTERS.get(place)
    kept = []
    for score_, profile_id in ranked:
        if score_ < min_score:
            break  # best first: nobody further down reaches it
        these = features[profile_id]
        if language and language not in these.languages:
            continue
        if max_step is not None and not these.relocate:
            step = place_step(needs, these)
            if step is None or step > max_step:
                continue
        kept.append((score_, profile_id))
    if sort == "name":
        score_of = {profile_id: score_ for score_, profile_id in kept}
        by_name = (
            CandidateProfile.objects.filter(pk__in=score_of)
            .order_by(Lower("user__full_name"), "pk")
            .values_list("pk", flat=True)
        )
        kept = [(score_of[profile_id], profile_id) for profile_id in by_name]
    shown_page = Paginator(kept, per_page).get_page(page)
    shown = list(shown_page)
    language_names = {code: language_label(code) for code in needs.languages}
    profiles = CandidateProfile.objects.select_related("user").in_bulk([pk for _s, pk in shown])
    invited = set(
        Invitation.objects.filter(
            vacancy=vacancy, candidate__candidate_profile__in=[pk for _s, pk in shown]
        ).values_list("candidate__candidate_profile", flat=True)
    )
    rows = [
        PreselectionRow(
            profile=profiles[pk],
            score=score_,
            explanation=explain(
                needs, features[pk], language_names=language_names, for_recruiter=True
            ),
            invited=pk in invited,
        )
        for score_, pk in shown
    ]
    return Preselection(rows=rows, page=shown_page, matching=len(kept), total=len(ranked))


def invitation_booths(*, vacancy: Vacancy, now: datetime | None = None) -> QuerySet[Booth]:
    """Booths showing this vacancy at fairs that have not ended, confirmed by the employer:
    where an invitation leads."""
    now = now or timezone.now()
    return (
        vacancy.booths.filter(fair__ends_at__gt=now, participation=Booth.Participation.CONFIRMED)
        .exclude(fair__status=Fair.Status.CLOSED)
        .select_related("fair", "employer")
        .order_by("fair__starts_at")
    )


def may_be_invited(*, user_id: int) -> bool:
    return sharing_profiles().filter(user_id=user_id).exists()


# --- the candidate's side -----------------------------------------------------------------------


@dataclass
class VacancyMatch:
    vacancy: Vacancy
    explanation: Explanation | None


def fair_vacancies_for(
    *,
    fair: Fair,
    profile: CandidateProfile | None,
    query: str = "",
    sector_id: int | None = None,
    place: str = "",
) -> list[VacancyMatch]:
    """The fair's open vacancies, searched by keyword (title, description, employer: simple
    case-insensitive containment, enough for a fair's few hundred), sector and place, ranked by
    the candidate's match (best first), else by title."""
    vacancies = (
        Vacancy.objects.filter(
            open_vacancy_filter(),
            booths__fair=fair,
            booths__participation=Booth.Participation.CONFIRMED,
        )
        .select_related("employer", "sector")
        .distinct()
    )
    for word in query.split()[:8]:
        vacancies = vacancies.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            # An anonymous vacancy must not be found by the employer it hides.
            | Q(employer__legal_name__icontains=word, employer_visible=True)
            | Q(employer_name__icontains=word, employer_visible=True)
        )
    if place:
        vacancies = vacancies.filter(Q(place__icontains=place) | Q(nuts3__istartswith=place))
    found = list(vacancies.order_by("title", "pk"))
    if sector_id:
        # Fairs offer ATECO 2025 sections; a vacancy still coded in ATECO 2007 belongs by its
        # division, as in the fair's proposals.
        sections = list(SectorSection.objects.filter(pk=sector_id))
        found = [vacancy for vacancy in found if vacancy_in_sections(vacancy, sections)]
    if profile is None:
        return [VacancyMatch(vacancy, None) for vacancy in found]
    row = CandidateMatchFeatures.objects.filter(profile=profile).values_list(*FEATURE_COLUMNS)
    values = row.first()
    if values is None:
        match_features_refresh(profile=profile)
        values = row.first()
    assert values is not None  # noqa: S101  (just written)
    features = features_from_row(values)
    matches = []
    for vacancy in found:
        needs = needs_of(vacancy)
        names = {code: language_label(code) for code in needs.languages}
        matches.append(VacancyMatch(vacancy, explain(needs, features, language_names=names)))
    matches.sort(key=lambda m: -(m.explanation.score if m.explanation else 0))
    return matches
