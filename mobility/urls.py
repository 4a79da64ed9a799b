from django.urls import path

from mobility import views

D = "d/<slug:dealership_slug>/mobility/"
R = D + "reservations/<int:reservation_id>/"

urlpatterns = [
    path(D + "board/", views.fleet_board, name="fleet_board"),
    path(R, views.reservation_detail, name="reservation_detail"),
    path(R + "move/", views.reservation_move_view, name="reservation_move"),
    path(R + "out/", views.reservation_out, name="reservation_out"),
    path(R + "back/", views.reservation_back, name="reservation_back"),
    path(R + "release/", views.reservation_release_view, name="reservation_release"),
]
