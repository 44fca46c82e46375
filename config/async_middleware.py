"""Django's own middleware, run on the event loop under ASGI where their hooks do no I/O.

Serving ASGI, Django runs a MiddlewareMixin's process_request, process_view and process_response in
the request's thread for synchronous code (sync_to_async(thread_sensitive=True)): a thread started
for the request and two or three handoffs to it and back per middleware, even for an async view
such as GET /api/games/live/ that needs none. These hooks read and write headers, cookies and request
attributes; the classes below run them inline instead, and hand a hook to that thread only when it
would reach the database (a session to save, messages to store).

MIDDLEWARE keeps Django's names (its deploy checks look for them by name, and WSGI runs them as
they are); `asgi_middleware()` is the list the ASGI handler loads (config/asgi.py).
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin

from . import compression


class InlineHooks(MiddlewareMixin):
    """MiddlewareMixin's async path without the thread hops (mixed in before a MiddlewareMixin)."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        view_hook = getattr(self, "process_view", None)
        if view_hook is not None and iscoroutinefunction(get_response):
            # Django wraps a synchronous process_view in sync_to_async when serving ASGI; a coroutine it calls as is.
            async def process_view(request, view, args, kwargs):
                return view_hook(request, view, args, kwargs)

            self.process_view = process_view

    def response_needs_thread(self, request, response) -> bool:
        return False

    async def __acall__(self, request):
        response = self.process_request(request) if hasattr(self, "process_request") else None
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self.response_needs_thread(request, response):
                response = await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
            else:
                response = self.process_response(request, response)
        return response


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    pass


class GZipMiddleware(InlineHooks, compression.GZipMiddleware):
    pass


class SessionMiddleware(InlineHooks, sessions.SessionMiddleware):
    # Creating the (lazy) session store reads nothing; saving one writes to the database.
    def response_needs_thread(self, request, response) -> bool:
        session = getattr(request, "session", None)
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    pass


class CsrfViewMiddleware(InlineHooks, csrf.CsrfViewMiddleware):
    # The token lives in a cookie; kept in the session (CSRF_USE_SESSIONS) it would need the database.
    def __init__(self, get_response) -> None:
        if settings.CSRF_USE_SESSIONS:
            raise ValueError("config.async_middleware.CsrfViewMiddleware reads the token from its cookie only")
        super().__init__(get_response)


class AuthenticationMiddleware(InlineHooks, auth.AuthenticationMiddleware):
    pass  # request.user is lazy: the session and user are read when a view asks


class MessageMiddleware(InlineHooks, messages.MessageMiddleware):
    # Messages read or added may be stored in the session, which may have to be loaded first.
    def response_needs_thread(self, request, response) -> bool:
        storage = getattr(request, "_messages", None)
        return storage is not None and (storage.used or storage.added_new)


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass


INLINE = {
    "django.middleware.security.SecurityMiddleware": SecurityMiddleware,
    "config.compression.GZipMiddleware": GZipMiddleware,
    "django.contrib.sessions.middleware.SessionMiddleware": SessionMiddleware,
    "django.middleware.common.CommonMiddleware": CommonMiddleware,
    "django.middleware.csrf.CsrfViewMiddleware": CsrfViewMiddleware,
    "django.contrib.auth.middleware.AuthenticationMiddleware": AuthenticationMiddleware,
    "django.contrib.messages.middleware.MessageMiddleware": MessageMiddleware,
    "django.middleware.clickjacking.XFrameOptionsMiddleware": XFrameOptionsMiddleware,
}


def asgi_middleware(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with each class above in place of the one it runs inline."""
    return [f"{__name__}.{INLINE[path].__name__}" if path in INLINE else path for path in middleware]
