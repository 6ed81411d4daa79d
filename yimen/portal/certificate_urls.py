"""电子证照 on the portal, mounted by the site at path("certificates/", include(...))."""

from django.urls import path

from yimen.portal import certificate_holder_views as holder_views
from yimen.portal import certificate_views as views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/file/", views.verify_file, name="verify_file"),
    path("keys/", views.keys, name="keys"),
    path("mine/", holder_views.mine, name="mine"),
    path("mine/leave/", holder_views.leave, name="mine_leave"),
    path("mine/<int:pk>.<str:fmt>", holder_views.mine_file, name="mine_file"),
]
