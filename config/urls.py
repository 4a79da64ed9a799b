from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# The URL root mounts every app by name (include() strings), so config imports none of them.

# An oversized body (RequestDataTooBig) reaches Django's 400 handler: it answers 413 there.
handler400 = "config.error_views.bad_request"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its init script from its own URL, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/v1/", include("dealerships.api_urls")),
    path("api/v1/", include("customers.api_urls")),
    path("api/v1/", include("workshop.api_urls")),
    path("api/v1/", include("bookings.api_urls")),
    path("api/v1/", include("followups.api_urls")),
    path("api/v1/", include("mobility.api_urls")),
    path("api/v1/", include("notifications.api_urls")),
    path("", include("dealerships.urls")),
    path("", include("customers.urls")),
    path("", include("workshop.urls")),
    path("", include("bookings.urls")),
    path("", include("notifications.urls")),
    path("", include("audit.urls")),
    path("", include("followups.urls")),
    path("", include("mobility.urls")),
]
