from django.contrib import admin
from django.urls import include, path

from config.ratelimit import login_rate_limited
from games.health import health_view
from games.metrics import metrics_view

urlpatterns = [
    path("health/", health_view, name="health"),
    path("metrics", metrics_view, name="metrics"),
    # Before the admin's own URLs, so that its sign-in form is rate limited like the site's.
    path("admin/login/", login_rate_limited(admin.site.login, scope="admin-login")),
    path("admin/", admin.site.urls),
    path("", include("games.urls")),
    path("", include("picks.urls")),
]
