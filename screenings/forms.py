"""Plain forms for the screening pages. Times are ``<input type="datetime-local">``
(``studio.fields``): ISO values whatever the page's language, read in the site's time zone."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import VideoProject
from screenings.models import CourseKind, Event, Venue
from screenings.rules import PROGRAMMABLE
from studio import limits
from studio.fields import IsoDateTimeField


class FilmChoice(forms.ModelChoiceField):
    def label_from_instance(self, film):
        return film.title


class EventForm(forms.Form):
    """An event of one kind: the fields the kind has (see ``FIELDS``)."""

    title = forms.CharField(label=_("Title"), max_length=limits.TITLE)
    platform = forms.CharField(label=_("Platform"), max_length=limits.PLATFORM, help_text=_("五华先锋, 学习强国 …"))
    course_kind = forms.ModelChoiceField(label=_("Course kind"), queryset=CourseKind.objects.all())
    course_name = forms.CharField(label=_("Course name"), max_length=limits.TITLE, required=False)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.all())
    starts_at = IsoDateTimeField(label=_("Starts at"))
    ends_at = IsoDateTimeField(label=_("Ends at"))
    roster_size = forms.IntegerField(label=_("Roster size"), min_value=0, max_value=limits.AUDIENCE, required=False)

    FIELDS = {
        Event.Kind.CLOUD: ["title", "platform", "starts_at", "ends_at"],
        Event.Kind.COURSE: ["title", "course_kind", "course_name", "venue", "starts_at", "ends_at", "roster_size"],
        Event.Kind.FILM_WEEK: ["title", "starts_at", "ends_at"],
    }
    LABELS = {
        Event.Kind.CLOUD: {"starts_at": _("Link opens at"), "ends_at": _("Link closes at")},
        Event.Kind.FILM_WEEK: {"starts_at": _("First day"), "ends_at": _("Ends at")},
    }

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        for name, label in self.LABELS.get(kind, {}).items():
            self.fields[name].label = label

    @classmethod
    def initial_of(cls, event: Event) -> dict:
        return {name: getattr(event, name) for name in cls.FIELDS[event.kind]}


class SlotForm(forms.Form):
    """A film in an event: a film week names the venue and the times; a course's or a cloud
    showing's times default to the whole event."""

    film = FilmChoice(label=_("Film"), queryset=VideoProject.objects.none())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.all())
    starts_at = IsoDateTimeField(label=_("Starts at"))
    ends_at = IsoDateTimeField(label=_("Ends at"))
    expected_audience = forms.IntegerField(label=_("Expected audience"), min_value=0, max_value=limits.AUDIENCE, required=False)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["film"].queryset = (
            VideoProject.objects.filter(state__in=PROGRAMMABLE).select_related("topic").order_by("topic__title")
        )
        if not event.is_film_week:
            del self.fields["venue"]
            self.fields["starts_at"].required = self.fields["ends_at"].required = False
            self.fields["starts_at"].help_text = _("Empty: from the start of the event.")
            self.fields["ends_at"].help_text = _("Empty: to its end.")
        if event.is_cloud:
            del self.fields["expected_audience"]

    @classmethod
    def initial_of(cls, slot) -> dict:
        return {"film": slot.film, "venue": slot.venue, "starts_at": slot.starts_at, "ends_at": slot.ends_at,
                "expected_audience": slot.expected_audience}


class HeadcountForm(forms.Form):
    headcount = forms.IntegerField(label=_("Headcount"), min_value=0, max_value=limits.AUDIENCE)
    roster = forms.IntegerField(label=_("Against a roster of"), min_value=0, max_value=limits.AUDIENCE, required=False)


class LinkForm(forms.Form):
    """A new viewer link: which of the showing's films, where it will be published, when it expires."""

    film = FilmChoice(label=_("Film"), queryset=VideoProject.objects.none(), empty_label=None)
    label = forms.CharField(label=_("Published on"), max_length=limits.PLATFORM, required=False,
                            help_text=_("To tell links apart: 五华先锋 公众号 …"))
    expires_at = IsoDateTimeField(label=_("Expires at"), required=False,
                      help_text=_("Empty: thirty days after the showing closes. It plays only while the showing is open."))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["film"].queryset = (
            VideoProject.objects.filter(slots__event=event).select_related("topic").order_by("topic__title").distinct()
        )
