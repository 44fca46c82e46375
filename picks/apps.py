from django.apps import AppConfig


class PicksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "picks"
    verbose_name = "Pick'em"

    def ready(self) -> None:
        from games.signals import game_results_changed, games_changed, games_locking

        from .receivers import freeze_lines_of_locking_games, grade_announced_games, project_live_standings

        game_results_changed.connect(grade_announced_games, dispatch_uid="picks.grade_announced_games")
        games_locking.connect(freeze_lines_of_locking_games, dispatch_uid="picks.freeze_lines_of_locking_games")
        games_changed.connect(project_live_standings, dispatch_uid="picks.project_live_standings")

        from games.tracking import register_ungraded_check

        from .receivers import ungraded_games

        # The stuck-game alert "final but its picks not graded" asks pick'em which games those are.
        register_ungraded_check(ungraded_games)
