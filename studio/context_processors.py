from studio import roles as role_rules


def roles(request):
    user_roles = role_rules.roles_of(request.user)
    return {"user_roles": user_roles, "is_office": role_rules.OFFICE in user_roles}
