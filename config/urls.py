from django.contrib import admin
from django.urls import include, path, register_converter

from config.ratelimit import login_rate_limited


class IdConverter:
    """A database id in a path: 1 to 2**63 - 1. Anything else matches no URL (a 404, JSON under /api/),
    instead of reaching the database with a number it cannot hold."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number < 2**63:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

handler404 = "config.api_errors.not_found"
handler500 = "config.api_errors.server_error"

urlpatterns = [
    path("", include("ops.urls")),
    # Before the admin's own URLs, so that its sign-in form is rate limited like the site's.
    path("admin/login/", login_rate_limited(admin.site.login, scope="admin-login")),
    path("admin/", admin.site.urls),
    path("", include("games.urls")),
    path("", include("picks.urls")),
]
