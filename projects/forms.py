from django import forms
from django.utils.translation import gettext_lazy as _

from projects import frames
from projects.models import (
    FRAME_RATES,
    ChecklistItem,
    Genre,
    Origin,
    Resolution,
    Shot,
    StageReview,
    Track,
    Unit,
)
from studio import limits, roles
from studio.fields import IsoDateField


class PitchForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    logline = forms.CharField(label=_("Logline"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    genre = forms.ModelChoiceField(label=_("Genre"), queryset=Genre.objects.all())
    local_elements = forms.CharField(label=_("Local elements (本土特色)"), max_length=300, required=False)
    proposed_track = forms.ModelChoiceField(label=_("Proposed track"), queryset=Track.objects.all())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if roles.is_office(user):
            self.fields["unit"].queryset = Unit.objects.all()
        else:
            self.fields["unit"].queryset = Unit.objects.filter(pk__in=roles.unit_ids_of(user))
            self.fields["proposed_track"].queryset = Track.objects.filter(assigned_by_office=False)
        if self.fields["unit"].queryset.count() == 1:
            self.fields["unit"].initial = self.fields["unit"].queryset.first()


class PlanForm(forms.Form):
    genre = forms.ModelChoiceField(label=_("Genre"), queryset=Genre.objects.all())
    track = forms.ModelChoiceField(label=_("Track"), queryset=Track.objects.all())
    origin = forms.ChoiceField(label=_("Origin"), choices=Origin.choices)
    deadline = IsoDateField(label=_("Delivery deadline"))
    spec_resolution = forms.ChoiceField(label=_("Picture size (at least)"), choices=Resolution.choices,
                                        initial=Resolution.FULL_HD)
    spec_fps = forms.TypedChoiceField(label=_("Frame rate (fps)"), choices=FRAME_RATES, coerce=int, initial=25)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=limits.REASON)


class ScriptForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    script = forms.CharField(label=_("Script"), widget=forms.Textarea(attrs={"rows": 12}), required=False, max_length=limits.SCRIPT)
    narration = forms.CharField(label=_("Narration (解说词)"), widget=forms.Textarea(attrs={"rows": 8}), required=False,
                                max_length=limits.SCRIPT)
    note = forms.CharField(label=_("Note on this version"), max_length=limits.NOTE, required=False)


class StoryboardHeaderForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(label=_("Note on this version"), max_length=limits.NOTE, required=False)


class ShotForm(forms.Form):
    """One row of the storyboard editor. Shots are numbered by their order on the page when saved
    (the editor's script moves rows and renumbers their prefixes), so no number is typed. ``source``
    is the stored shot this row was copied from (its id, as ``services._carried_frames`` reads it):
    the frame follows the row wherever it moves; a new row has none."""

    picture = forms.CharField(label=_("Picture"), widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.SHOT_TEXT)
    shot_size = forms.ChoiceField(label=_("Shot size (景别)"), choices=[("", "—"), *Shot.Size.choices], required=False)
    dialogue = forms.CharField(label=_("Narration / dialogue"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               max_length=limits.SHOT_TEXT)
    camera_movement = forms.CharField(label=_("Camera movement (运镜)"), max_length=limits.CAMERA_MOVEMENT, required=False)
    duration_seconds = forms.IntegerField(label=_("Duration (s)"), min_value=1, max_value=limits.SHOT_SECONDS)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=limits.SHOT_TEXT)
    frame = forms.ImageField(label=_("Frame"), required=False, widget=forms.FileInput(attrs={"accept": frames.ACCEPT}))
    remove_frame = forms.BooleanField(label=_("Remove the frame"), required=False)
    source = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    # What a row holds besides these is the user's: a row with nothing typed in it is left out.
    BOOKKEEPING = ("source", "remove_frame", "DELETE")

    def has_changed(self):
        return any(name not in self.BOOKKEEPING for name in self.changed_data)


class BaseShotFormSet(forms.BaseFormSet):
    def initial_form_count(self):
        # Every posted row is judged by what it holds, wherever the editor moved it: a blank row
        # is skipped, a filled one is checked (Django would insist the first N rows be filled).
        return 0 if self.is_bound else super().initial_form_count()


ShotFormSet = forms.formset_factory(ShotForm, formset=BaseShotFormSet, extra=3, can_delete=True,
                                    max_num=limits.SHOTS, validate_max=True)


class ReviewForm(forms.Form):
    """The stage checklist: a pass/fail and a note per item, then a decision."""

    # The office's checklist review advances or returns; rejecting is the panel's verdict (reviews).
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        (StageReview.Decision.ADVANCE, StageReview.Decision.ADVANCE.label),
        (StageReview.Decision.RETURN, StageReview.Decision.RETURN.label),
    ])
    comment = forms.CharField(label=_("Comments to the producer"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=limits.COMMENT)

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(ChecklistItem.objects.filter(stage=stage, active=True))
        for item in self.items:
            label = f"{item.label}{' ★' if item.is_veto else ''}"
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=label,
                choices=[("1", _("Passed")), ("0", _("Not passed"))],
                coerce=lambda value: value == "1",
                widget=forms.RadioSelect,
                help_text=_("Veto item: if it is not passed, the deliverable can only be returned.") if item.is_veto else "",
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label=_("Note"), required=False, max_length=limits.NOTE)

    def item_rows(self):
        return [(item, self[f"item_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def results(self):
        return {
            item.pk: (self.cleaned_data[f"item_{item.pk}"], self.cleaned_data[f"note_{item.pk}"]) for item in self.items
        }
