from django.urls import path

from frontend import match_views, views

app_name = "frontend"
urlpatterns = [
    path("", views.home, name="home"),
    path("fairs/<int:fair_id>/", views.fair_detail, name="fair"),
    path("fairs/<int:fair_id>/vacancies/", match_views.fair_matches, name="fair_matches"),
    path("fairs/<int:fair_id>/where-i-live/", match_views.place_set, name="place_set"),
    path("booths/<int:booth_id>/", views.booth_detail, name="booth"),
    path("vacancies/<int:vacancy_id>/", views.vacancy_detail, name="vacancy"),
    path("booths/<int:booth_id>/book/", views.booth_book, name="booth_book"),
    path("fairs/<int:fair_id>/book/", views.fair_book, name="fair_book"),
    path("booths/<int:booth_id>/waitlist/", views.booth_waitlist_join, name="booth_waitlist_join"),
    path("waitlist/<int:entry_id>/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path(
        "bookings/<int:booking_id>/reschedule/",
        views.booking_reschedule,
        name="booking_reschedule",
    ),
    path("interviews/<int:session_id>/", views.interview_room, name="interview"),
    path("protocol.json", views.protocol, name="protocol"),
]
