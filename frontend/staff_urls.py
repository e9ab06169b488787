from django.urls import path

from frontend import staff_cv_views, staff_match_views
from frontend import staff_views as views

app_name = "staff"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("fairs/new/", views.fair_create, name="fair_create"),
    path("fairs/<int:fair_id>/", views.fair_manage, name="fair"),
    path("fairs/<int:fair_id>/edit/", views.fair_edit, name="fair_edit"),
    path("fairs/<int:fair_id>/publish/", views.fair_publish, name="fair_publish"),
    path("fairs/<int:fair_id>/booths/new/", views.booth_create, name="booth_create"),
    path("booths/<int:booth_id>/", views.booth_edit, name="booth_edit"),
    path("booths/<int:booth_id>/queue/", views.booth_queue, name="booth_queue"),
    path("booths/<int:booth_id>/slots/", views.booth_slots, name="booth_slots"),
    path(
        "booths/<int:booth_id>/booking-window/",
        views.booth_booking_window,
        name="booth_booking_window",
    ),
    path("offices/<int:office_id>/slots/", views.office_slots, name="office_slots"),
    path("slots/<int:slot_id>/cancel/", views.slot_cancel, name="slot_cancel"),
    path("agenda/", views.agenda_page, name="agenda"),
    path("booths/<int:booth_id>/present/", views.booth_present, name="booth_present"),
    path("employers/new/", views.employer_create, name="employer_create"),
    path("vacancy-imports/", views.vacancy_imports, name="vacancy_imports"),
    path("vacancy-imports/<int:run_id>/", views.vacancy_import, name="vacancy_import"),
    path("interviews/new/", views.interview_new, name="interview_new"),
    path("cvs/", staff_cv_views.cv_list, name="cv_list"),
    path("fair-series/", staff_match_views.series_list, name="series_list"),
    path("fair-series/new/", staff_match_views.series_edit, name="series_new"),
    path("fair-series/<int:series_id>/", staff_match_views.series_edit, name="series_edit"),
    path(
        "fairs/<int:fair_id>/proposals/",
        staff_match_views.fair_proposals_page,
        name="fair_proposals",
    ),
    path(
        "fairs/<int:fair_id>/proposals/approve/",
        staff_match_views.fair_proposals_approve,
        name="fair_proposals_approve",
    ),
    path(
        "fairs/<int:fair_id>/proposals/dismiss/",
        staff_match_views.fair_proposals_dismiss,
        name="fair_proposals_dismiss",
    ),
    path(
        "booths/<int:booth_id>/participation/confirm/",
        staff_match_views.booth_participation_confirm,
        name="booth_participation_confirm",
    ),
    path(
        "booths/<int:booth_id>/participation/decline/",
        staff_match_views.booth_participation_decline,
        name="booth_participation_decline",
    ),
    path(
        "fairs/<int:fair_id>/proposals/restore/",
        staff_match_views.fair_proposals_restore,
        name="fair_proposals_restore",
    ),
    path("vacancies/", staff_match_views.vacancy_list, name="vacancy_list"),
    path(
        "vacancies/<int:vacancy_id>/candidates/",
        staff_match_views.vacancy_preselection,
        name="vacancy_preselection",
    ),
    path(
        "vacancies/<int:vacancy_id>/skills/",
        staff_match_views.vacancy_skills,
        name="vacancy_skills",
    ),
    path(
        "vacancies/<int:vacancy_id>/candidates/invite/",
        staff_match_views.vacancy_invite,
        name="vacancy_invite",
    ),
    path("cvs/<int:version_id>/", staff_cv_views.cv_review_page, name="cv_review"),
    path(
        "organisations/<int:organisation_id>/people/new/",
        views.staff_account_new,
        name="staff_account_new",
    ),
]
