from django.urls import path

from candidates import views

app_name = "candidates"
urlpatterns = [
    path("cv/", views.cv_page, name="cv"),
    path("cv/upload/", views.cv_upload_view, name="cv_upload"),
    path("cv/<int:version_id>/file/", views.cv_file, name="cv_file"),
    path("cv/<int:version_id>/delete/", views.version_delete, name="cv_delete"),
    path("cv/shares/<int:employer_id>/stop/", views.share_stop, name="share_stop"),
    path("photo/", views.photo_upload, name="photo_upload"),
    path("photo/remove/", views.photo_remove, name="photo_remove"),
    path("contact/", views.contact_set, name="contact_set"),
    path("photos/<int:profile_id>/", views.photo, {"size": "full"}, name="photo"),
    path(
        "photos/<int:profile_id>/thumbnail/",
        views.photo,
        {"size": "thumbnail"},
        name="photo_thumbnail",
    ),
    path("my-data/", views.data_export, name="data_export"),
    path("account/delete/", views.account_delete, name="account_delete"),
]
