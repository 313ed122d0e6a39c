"""Screening API. Same access helpers and services as the pages; refusals map to 400/403/404/409."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from screenings import access, services
from screenings.api import serializers as s
from screenings.models import CourseKind, InPersonCount, Venue
from screenings.totals import audience_totals
from studio.schema import ErrorSerializer

NOT_FOUND = {404: ErrorSerializer}


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _slots(queryset):
    return queryset.select_related("film__topic").prefetch_related(
        Prefetch("counts", queryset=InPersonCount.objects.filter(current=True))
    )


class VenueList(generics.ListAPIView):
    """Venues and their seats (kept by the office in the admin)."""

    serializer_class = s.VenueSerializer

    def get_queryset(self):
        access.events_for_user(self.request.user)
        return Venue.objects.order_by("name", "pk")


class CourseKindList(generics.ListAPIView):
    serializer_class = s.CourseKindSerializer

    def get_queryset(self):
        access.events_for_user(self.request.user)
        return CourseKind.objects.order_by("position", "code")


class EventList(generics.ListCreateAPIView):
    serializer_class = s.EventSerializer

    def get_queryset(self):
        return access.events_for_user(self.request.user).select_related("course_kind", "created_by").order_by("-starts_at", "-pk")

    @extend_schema(request=s.EventCreateSerializer, responses={201: s.EventSerializer})
    def post(self, request):
        access.events_for_user(request.user)
        data = _valid(s.EventCreateSerializer, request)
        event = services.event_create(user=request.user, **data)
        return Response(s.EventSerializer(event, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _event_fields(event) -> dict:
    return {"title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at, "platform": event.platform,
            "course_kind": event.course_kind, "course_name": event.course_name, "venue": event.venue,
            "roster_size": event.roster_size}


class EventDetail(APIView):
    """GET the event; PATCH the fields to change (not its kind): checked again as a new one would be."""

    @extend_schema(responses=s.EventSerializer)
    def get(self, request, pk):
        event = access.get_event_for_user(request.user, pk)
        return Response(s.EventSerializer(event, context={"request": request}).data)

    @extend_schema(request=s.EventWriteSerializer, responses=s.EventSerializer)
    def patch(self, request, pk):
        event = access.get_event_to_edit(request.user, pk)
        serializer = s.EventWriteSerializer(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        # Only what was sent changes (a partial serializer would fill in its defaults too).
        sent = {key: value for key, value in serializer.validated_data.items() if key in request.data}
        services.event_update(event=event, user=request.user, **{**_event_fields(event), **sent})
        return Response(s.EventSerializer(event, context={"request": request}).data)


class EventSlots(APIView):
    """GET the event's programme; POST a film into it."""

    @extend_schema(responses=s.SlotSerializer(many=True))
    def get(self, request, pk):
        event = access.get_event_for_user(request.user, pk)
        return Response(s.SlotSerializer(_slots(event.slots.all()), many=True).data)

    @extend_schema(request=s.SlotWriteSerializer, responses={201: s.SlotSerializer})
    def post(self, request, pk):
        event = access.get_event_to_edit(request.user, pk)
        data = _valid(s.SlotWriteSerializer, request)
        slot = services.slot_add(event=event, user=request.user, **data)
        return Response(s.SlotSerializer(_slots(event.slots.filter(pk=slot.pk)).get()).data, status=status.HTTP_201_CREATED)


def _slot_fields(slot) -> dict:
    return {"film": slot.film, "venue": slot.venue, "starts_at": slot.starts_at, "ends_at": slot.ends_at,
            "expected_audience": slot.expected_audience}


class SlotDetail(APIView):
    """GET a showing; PATCH the fields to change; DELETE takes it off the programme (refused once
    its audience was counted)."""

    @extend_schema(responses=s.SlotSerializer)
    def get(self, request, pk):
        slot = access.get_slot_for_user(request.user, pk)
        return Response(s.SlotSerializer(_slots(slot.event.slots.filter(pk=slot.pk)).get()).data)

    @extend_schema(request=s.SlotWriteSerializer, responses=s.SlotSerializer)
    def patch(self, request, pk):
        slot = access.get_slot_to_edit(request.user, pk)
        serializer = s.SlotWriteSerializer(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        sent = {key: value for key, value in serializer.validated_data.items() if key in request.data}
        fields = _slot_fields(slot)
        if slot.event.is_course and "venue" not in sent:
            fields["venue"] = None  # the course's venue, whatever it is now
        services.slot_update(slot=slot, user=request.user, **{**fields, **sent})
        return Response(s.SlotSerializer(_slots(slot.event.slots.filter(pk=slot.pk)).get()).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        slot = access.get_slot_to_edit(request.user, pk)
        services.slot_remove(slot=slot, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SlotHeadcount(APIView):
    """GET the headcounts entered for a showing, newest first (the current one and the corrected);
    POST a headcount (a correction replaces the current figure and keeps the earlier one)."""

    @extend_schema(responses=s.CountSerializer(many=True))
    def get(self, request, pk):
        slot = access.get_slot_for_user(request.user, pk)
        return Response(s.CountSerializer(slot.counts.select_related("recorded_by"), many=True).data)

    @extend_schema(request=s.CountWriteSerializer, responses={201: s.CountSerializer})
    def post(self, request, pk):
        slot = access.get_slot_to_edit(request.user, pk)
        data = _valid(s.CountWriteSerializer, request)
        count = services.inperson_record(slot=slot, user=request.user, **data)
        return Response(s.CountSerializer(count).data, status=status.HTTP_201_CREATED)


class Totals(APIView):
    """Cumulative audiences, as on the totals page: online (each viewer once per film and cloud
    showing) and in person (current headcounts), apart and summed, per film, event, kind, genre, year."""

    @extend_schema(responses={200: s.TotalsSerializer, **NOT_FOUND})
    def get(self, request):
        access.events_for_user(request.user)
        return Response(s.TotalsSerializer(audience_totals()).data)




def _links(event):
    return event.links.select_related("film__topic", "created_by", "revoked_by")


class EventLinks(APIView):
    """GET a cloud showing's viewer links (revoked and expired ones included); POST a new one for
    one of its films."""

    @extend_schema(responses={200: s.LinkSerializer(many=True), **NOT_FOUND})
    def get(self, request, pk):
        event = access.get_event_for_user(request.user, pk)
        return Response(s.LinkSerializer(_links(event), many=True, context={"request": request}).data)

    @extend_schema(request=s.LinkWriteSerializer, responses={201: s.LinkSerializer})
    def post(self, request, pk):
        event = access.get_event_to_edit(request.user, pk)
        data = _valid(s.LinkWriteSerializer, request)
        link = services.link_create(event=event, user=request.user, **data)
        return Response(s.LinkSerializer(_links(event).get(pk=link.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class LinkRevoke(APIView):
    """POST: the link stops opening anything from the next request on (a second revoke: 409)."""

    @extend_schema(request=None, responses={200: s.LinkSerializer})
    def post(self, request, pk):
        link = access.get_link_to_revoke(request.user, pk)
        services.link_revoke(link=link, user=request.user)
        return Response(s.LinkSerializer(_links(link.event).get(pk=link.pk), context={"request": request}).data)
