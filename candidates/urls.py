from django.urls import path

from candidates import views

app_name = "candidates"
urlpatterns = [
    path("cv/<int:version_id>/file/", views.cv_file, name="cv_file"),
]
