from django import template
from django.db.models.fields.files import FieldFile

from core.pictures import picture_url, placeholder

register = template.Library()


@register.inclusion_tag("core/picture.html")
def picture(file: FieldFile | None, rendition: str, name: str, css: str = "") -> dict:
    """`{% picture course.cover "card" course.title %}`: the stored rendition, or the
    placeholder (initials on a colour) when nothing was uploaded. The picture is
    decoration beside the name the page prints, so its alt text is empty."""
    return {
        "url": picture_url(file, rendition),
        "rendition": rendition,
        "placeholder": placeholder(name),
        "css": css,
    }
