from django.contrib import admin
from django.urls import include, path

from catalog import views

urlpatterns = [
    path("", include("catalog.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
