"""Workspace forms (Flask-WTF): CSRF and rendering. Validation rules live in the services, shared with the API."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from .models import TRANSPORTS, VISIBILITIES
from .validate import MAX_FILE_NAME, MAX_LABEL, MAX_NAME, MAX_SLUG, MAX_SUMMARY, MAX_TITLE


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    """Log in with a username and password."""

    username = StringField("Username", render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class PasswordForm(FlaskForm):
    """Change one's password: the current one, then the new one twice."""

    current_password = PasswordField("Current password", render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm_password = PasswordField("New password again", render_kw={"autocomplete": "new-password"})


class ActionForm(FlaskForm):
    """A button that changes something (delete, move, revoke): just the CSRF token and an optional target."""

    position = HiddenField()


class TripForm(FlaskForm):
    """Create or edit a trip."""

    title = StringField("Title", render_kw={"maxlength": MAX_TITLE, "required": True})
    slug = StringField(
        "Address (slug)",
        description="Lowercase letters, digits and hyphens; left empty, it is made from the title.",
        render_kw={"maxlength": MAX_SLUG, "pattern": "[a-z0-9]+(-[a-z0-9]+)*"},
    )
    summary = TextAreaField("Summary", render_kw={"rows": 3, "maxlength": MAX_SUMMARY})
    visibility = SelectField(
        "Visibility",
        choices=choices([(v, v.capitalize()) for v in VISIBILITIES]),
        description="Public: listed. Unlisted: anyone with the link. Private: only you.",
    )
    timezone = StringField("Time zone", description="IANA name, e.g. Asia/Shanghai (stops use their own zone).")
    blur_photo_locations = BooleanField("Blur photo places to about 1 km for readers")


class LegForm(FlaskForm):
    """Add or edit a leg."""

    name = StringField("Name", render_kw={"maxlength": MAX_NAME, "required": True})
    colour = StringField("Colour", render_kw={"type": "color"})
    transport = SelectField(
        "Travelled by",
        choices=choices([("", "Tracked (GPX)")] + [(t, t.capitalize()) for t in TRANSPORTS]),
        description="For legs without a track: drawn as a dashed line from the first to the last stop.",
    )


class StopForm(FlaskForm):
    """Add or edit a stop; the map fills latitude and longitude."""

    leg = SelectField("Leg")
    name = StringField("Name", render_kw={"maxlength": MAX_NAME, "required": True})
    # No example coordinates: one trip's numbers in every trip's form read as a value already there.
    lat = StringField("Latitude", render_kw={"inputmode": "decimal", "placeholder": "click the map"})
    lon = StringField("Longitude", render_kw={"inputmode": "decimal", "placeholder": "or find a place"})
    # step="1": browsers show and send seconds (their default step, 60, drops them).
    arrived_at = StringField("Arrived (local time)", render_kw={"type": "datetime-local", "step": "1"})
    departed_at = StringField("Left (local time)", render_kw={"type": "datetime-local", "step": "1"})
    post = SelectField("Post written here")
    slug = StringField("Slug", description="Left empty, it is made from the name.", render_kw={"maxlength": MAX_SLUG})


class PostForm(FlaskForm):
    """Create or edit a post: a Markdown body, an external link, or both."""

    title = StringField("Title", render_kw={"maxlength": MAX_TITLE, "required": True})
    slug = StringField(
        "Address (slug)", description="Left empty, it is made from the title.", render_kw={"maxlength": MAX_SLUG}
    )
    author = StringField("Author name")
    published = StringField("Published", render_kw={"type": "date"})
    summary = TextAreaField("Summary", render_kw={"rows": 3, "maxlength": MAX_SUMMARY})
    body = TextAreaField(
        "Body (Markdown)",
        render_kw={"rows": 12},
        description="Markdown; scripts, event handlers and unsafe links are removed when shown.",
    )
    url = StringField("Original post URL", description="If the post lives elsewhere: an http:// or https:// address.")
    licence = StringField("Licence", render_kw={"placeholder": "CC BY-SA 4.0"})
    licence_url = StringField("Licence URL")
    stops = SelectMultipleField(
        "Stops that link to this post", coerce=str, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )


class PhotoForm(FlaskForm):
    """Caption a photo, or place it by hand (click the map)."""

    caption = TextAreaField("Caption", render_kw={"rows": 2, "maxlength": MAX_SUMMARY})
    lat = StringField("Latitude", render_kw={"inputmode": "decimal"})
    lon = StringField("Longitude", render_kw={"inputmode": "decimal"})


class ZoneForm(FlaskForm):
    """Add a privacy zone: click the map (or find a town) for its place, then choose its radius."""

    name = StringField("Name (only you see it)", render_kw={"maxlength": MAX_NAME, "placeholder": "Home"})
    lat = StringField("Latitude", render_kw={"inputmode": "decimal", "required": True})
    lon = StringField("Longitude", render_kw={"inputmode": "decimal", "required": True})
    radius_m = StringField("Radius in metres", description="100 to 5,000 m. Choose one that takes in a few streets.",
                           render_kw={"type": "number", "min": 100, "max": 5000, "step": 50, "required": True})


class TrackForm(FlaskForm):
    """Rename a track or move it to another leg."""

    name = StringField("Name", render_kw={"maxlength": MAX_FILE_NAME, "required": True})
    leg = SelectField("Leg")


_POINT = {"inputmode": "numeric", "autocomplete": "off"}


class TrimForm(FlaskForm):
    """Keep a track's points from one to another (numbers from 0, or times)."""

    start = StringField("Start at point", render_kw=_POINT)
    end = StringField("End at point", render_kw=_POINT)


class SplitForm(FlaskForm):
    """Split a track in two at a point, which both parts keep."""

    at = StringField("Split at point", render_kw=_POINT)
    name = StringField("Name of the second part", description="Left empty, it is the track's name with (2).",
                       render_kw={"maxlength": MAX_FILE_NAME})


class TokenForm(FlaskForm):
    """Create an API token."""

    name = StringField("Label", render_kw={"maxlength": MAX_LABEL, "placeholder": "laptop script"})


def data_of(form: FlaskForm) -> dict:
    """Return the submitted field values as a plain dict for a service (no CSRF token)."""
    return {name: field.data for name, field in form._fields.items() if name not in {"csrf_token", "submit"}}
