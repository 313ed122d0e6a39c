"""Media tests read messages in English; the S3 fixtures are in ``tests/support/s3.py``."""

import pytest
from django.utils import translation


@pytest.fixture
def english():
    """Messages are checked in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages and JSON answer in English here, whatever the tests before left active: the media
    tests check messages in English (the site's default language is Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
