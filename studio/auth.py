"""API authentication and the anonymous throttle (apart from ``studio.api``: DRF imports these
while ``rest_framework.views`` is still loading).

An anonymous call is refused with 401 and a ``WWW-Authenticate: Token`` challenge, because
TokenAuthentication is the first authenticator in settings.
"""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions

from studio import throttle


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF tokens; an address that keeps sending wrong tokens is throttled like failed logins."""

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        if wait := throttle.signin_wait(request):
            raise exceptions.Throttled(wait, detail=_("Too many failed sign-ins from this address."))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.signin_failed(request)
            raise


class SignedIn(permissions.IsAuthenticated):
    """IsAuthenticated that first counts anonymous calls per address. DRF checks throttles only
    after permissions, so a throttle in DEFAULT_THROTTLE_CLASSES would never see an anonymous
    call: the 401 comes first."""

    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated:
            return True
        anonymous = throttle.AnonymousApiThrottle()
        if not anonymous.allow_request(request, view):
            raise exceptions.Throttled(
                anonymous.wait(), detail=_("Too many requests without credentials: send your API token.")
            )
        return False
