from django.conf import settings
from django.urls import path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from . import api, stream_api, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="live", permanent=False)),
    path("live/", views.live_page, name="live"),
    path("games/<id:pk>/", views.game_page, name="game-detail"),
    path("api/games/", api.GameListApi.as_view(), name="api-games"),
    path("api/games/live/", api.LiveGamesApi.as_view(), name="api-games-live"),
    path("api/games/live/stream/", stream_api.LiveGamesStreamApi.as_view(), name="api-games-live-stream"),
    path("api/games/<id:pk>/", api.GameDetailApi.as_view(), name="api-game-detail"),
    path("api/games/<id:pk>/plays/", api.PlaysApi.as_view(), name="api-game-plays"),
    path("api/games/<id:pk>/stream/", stream_api.GameStreamApi.as_view(), name="api-game-stream"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.api_docs, name="api-docs"),
]

if settings.BENCHMARK_VIEWS or settings.DEBUG:
    urlpatterns.append(path("api/bench/fixed/", views.bench_fixed_bytes, name="bench-fixed"))
