"""Pick'em pages under /picks/, its API under /api/picks/, and the accounts pages.

The accounts URLs keep Django's plain names (settings.LOGIN_URL = "login").
"""

from collections.abc import Callable
from typing import cast

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import conditional_page

from config.ratelimit import login_rate_limited

from . import api, standings_stream, views

# The sign-in page answers a page or a redirect, both HttpResponses; as_view() is typed for any response.
sign_in = cast(Callable[..., HttpResponse], views.PicksLoginView.as_view())

account_patterns = [
    path("login/", login_rate_limited(sign_in), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", login_rate_limited(views.signup, scope="signup"), name="signup"),
]

page_patterns = [
    path("", views.my_picks, name="my_picks"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join, name="join_code"),
    path("leagues/new/", views.league_create, name="league_create"),
    path("leagues/<id:league_id>/", views.league_detail, name="league"),
    path("leagues/<id:league_id>/settings/", views.league_settings, name="league_settings"),
    path("leagues/<id:league_id>/settings/invite/", views.invite_reset, name="invite_reset"),
    path("leagues/<id:league_id>/members/<id:entry_id>/remove/", views.member_remove, name="member_remove"),
    path("leagues/<id:league_id>/audit/", views.league_audit, name="league_audit"),
    path("leagues/<id:league_id>/entries/new/", views.entry_add, name="entry_add"),
    path("entries/<id:entry_id>/buy-back/", views.buy_back, name="buy_back"),
    path("leagues/<id:league_id>/reminders/", views.league_reminders, name="league_reminders"),
    path("leagues/<id:league_id>/remind/", views.league_remind_now, name="league_remind_now"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]

api_patterns = [
    path("entries/", api.EntryListApi.as_view(), name="entries"),
    # The pages poll these two while games are on: an ETag lets an unchanged answer be a bodiless 304.
    path("entries/<id:entry_id>/games/", conditional_page(api.EntryGamesApi.as_view()), name="entry_games"),
    path("entries/<id:entry_id>/picks/", api.EntryPicksApi.as_view(), name="entry_picks"),
    path("entries/<id:entry_id>/buy-back/", api.EntryBuyBackApi.as_view(), name="entry_buy_back"),
    path("leagues/", api.LeagueCreateApi.as_view(), name="league_create"),
    path("leagues/join/", api.LeagueJoinApi.as_view(), name="league_join"),
    path("leagues/<id:league_id>/", api.LeagueSettingsApi.as_view(), name="league_settings"),
    path("leagues/<id:league_id>/entries/", api.LeagueEntriesApi.as_view(), name="league_entries"),
    path(
        "leagues/<id:league_id>/standings/",
        conditional_page(api.LeagueStandingsApi.as_view()),
        name="league_standings",
    ),
    path("leagues/<id:league_id>/picks/", api.LeaguePicksApi.as_view(), name="league_picks"),
    path("leagues/<id:league_id>/what-if/", api.LeagueWhatIfApi.as_view(), name="league_what_if"),
    path("leagues/<id:league_id>/reminders/", api.LeagueRemindersApi.as_view(), name="league_reminders"),
    path(
        "leagues/<id:league_id>/standings/stream/",
        standings_stream.LeagueStandingsStreamApi.as_view(),
        name="league_standings_stream",
    ),
]

urlpatterns = [
    path("accounts/", include(account_patterns)),
    path("picks/", include((page_patterns, "picks"))),
    path("api/picks/", include((api_patterns, "picks-api"))),
]
