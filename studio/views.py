"""Account pages (the throttled login page, the API token page) and the site's 404."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token

from studio import services, throttle


class LoginView(auth_views.LoginView):
    """Django's login page, refusing with 429 an address or username that failed too often, before
    the password is hashed."""

    def post(self, request, *args, **kwargs):
        if wait := throttle.signin_wait(request, request.POST.get("username", "")):
            minutes = -(-wait // 60)
            messages.error(request, ngettext(
                "Too many failed sign-ins. Try again in %(minutes)d minute.",
                "Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes,
            ) % {"minutes": minutes})
            response = self.render_to_response(self.get_context_data(form=self.form_class(request)), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.signin_failed(self.request, form.data.get("username", ""))
        return super().form_invalid(form)


@require_GET
@login_required
def api_token(request):
    """Whether the user has a token; the key itself is shown once, right after it is made."""
    return render(request, "studio/api_token.html", {"token": Token.objects.filter(user=request.user).first()})


@require_POST
@login_required
def api_token_issue(request):
    token = services.api_token_issue(user=request.user)
    messages.success(request, _("New API token made; any earlier token no longer works. Copy it now: it is shown only once."))
    return render(request, "studio/api_token.html", {"token": token, "key": token.key})


@require_POST
@login_required
def api_token_revoke(request):
    if services.api_token_revoke(user=request.user):
        messages.success(request, _("API token revoked: clients using it are refused from now on."))
    else:
        messages.info(request, _("You have no API token."))
    return redirect("api-token")


def not_found(request, exception):
    """Under /api/ an unknown URL (e.g. /api/projects/abc/) answers JSON like every other API
    refusal; elsewhere the site's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
