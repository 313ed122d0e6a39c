"""Form fields for the browser's date and time pickers, shared by every app.

``<input type="date">`` and ``<input type="datetime-local">`` take and send ISO values only
(``2027-04-01``, ``2027-04-01T14:00``) whatever the page's language; Django would render a
value in the active language's format (zh-hans: ``2027/04/01``), which the browser drops, so a
required field shows empty. These fields render and read ISO, and nothing else.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class IsoDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)

    def __init__(self, **kwargs):
        super().__init__(input_formats=[ISO_DATE], **kwargs)


class IsoDateTimeField(forms.DateTimeField):
    """Read in the site's time zone (the browser sends no offset)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=ISO_DATETIME[0])

    def __init__(self, **kwargs):
        super().__init__(input_formats=ISO_DATETIME, **kwargs)
