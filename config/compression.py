"""Gzip for every response a client accepts it for, reading Accept-Encoding's q-values.

Django's GZipMiddleware looks for the word "gzip" anywhere in Accept-Encoding, so a client saying
`gzip;q=0` ("never gzip") still gets gzip. `accepts_gzip` reads the header as RFC 9110 says, and
the middleware and the live feed (which keeps a gzipped copy of its own) both ask it.

Streaming responses (the event streams) pass through as they are: Django's gzip would hold a
synchronous stream's events in zlib's buffer until it fills, and cut an asynchronous one into one
gzip member per event; either way an event would no longer reach the browser when it is sent.

BREACH: pages carrying a CSRF token are compressed too; Django masks the token afresh on each
response, which is the mitigation Django relies on for its own GZipMiddleware.
"""

from __future__ import annotations

from functools import lru_cache

from django.middleware import gzip
from django.utils.cache import patch_vary_headers


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """True when the header allows gzip: named with q > 0, or not named and "*" with q > 0."""
    named: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip()
        if not coding:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # an unreadable weight: take it as a refusal
        named[coding] = quality
    if "gzip" in named:
        return named["gzip"] > 0
    if "x-gzip" in named:
        return named["x-gzip"] > 0
    return named.get("*", 0) > 0


class GZipMiddleware(gzip.GZipMiddleware):
    def process_response(self, request, response):
        if response.streaming or response.get("Content-Type", "").startswith("text/event-stream"):
            return response  # each event must leave as it is written (see above)
        if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return super().process_response(request, response)
        if not response.has_header("Content-Encoding"):
            patch_vary_headers(response, ("Accept-Encoding",))  # another client may get gzip
        return response
