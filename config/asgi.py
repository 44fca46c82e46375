import os

from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Handler(ASGIHandler):
    """Django's ASGI handler, loading the middleware that runs its hooks on the event loop, and
    calling a view's `asgi_view` where it has one (an async twin of a view that WSGI keeps sync)."""

    def resolve_request(self, request):
        match = super().resolve_request(request)
        asgi_view = getattr(match.func, "asgi_view", None)
        if asgi_view is not None:
            match.func = asgi_view
        return match

    def load_middleware(self, is_async: bool = False) -> None:
        from django.conf import settings

        from config.async_middleware import asgi_middleware

        configured = settings.MIDDLEWARE
        settings.MIDDLEWARE = asgi_middleware(configured)  # for this load only; checks and WSGI see Django's names
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = configured


def get_application() -> Handler:
    import django

    django.setup(set_prefix=False)
    return Handler()


application = get_application()
