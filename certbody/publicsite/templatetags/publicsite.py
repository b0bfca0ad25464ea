"""Template helpers of the public website."""

from __future__ import annotations

from django import template

from certbody.publicsite.selectors import current_version

register = template.Library()


@register.simple_tag
def current_of(doc):
    """The current version of a document whose versions were prefetched."""
    return current_version(doc)
