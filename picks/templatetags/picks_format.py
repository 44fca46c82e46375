"""Small formatting filters of the pick'em pages."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.4567 -> "46%"; a chance that is not quite 0 or 1 never shows as 0% or 100%."""
    if value is None:
        return "—"
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 <= value < 1:
        return ">99%"
    return f"{value * 100:.0f}%"
