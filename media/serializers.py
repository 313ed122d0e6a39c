"""The JSON the upload endpoints accept, with bounds; the rules stay in ``media.services``."""

from rest_framework import serializers

from studio import limits


class UploadStartSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=limits.FILENAME)
    # Zero and above the upload limit get the service's own words; this bounds the arithmetic.
    size = serializers.IntegerField(min_value=0, max_value=2**63 - 1)
    sha256 = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=limits.NOTE, required=False, allow_blank=True, default="")
