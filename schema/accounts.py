"""Creating users: the rules behind the ``createUser`` mutation.

Kept apart from the GraphQL types so the rules read (and test) as plain Django code.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction

from gqlauth.graphql.errors import BadUserInputError

_no_nul = ProhibitNullCharactersValidator()

# Model field -> GraphQL argument, in the mutation's argument order (errors follow this order).
ARGUMENTS = {
    "username": "username",
    "password": "password",
    "email": "email",
    "first_name": "firstName",
    "last_name": "lastName",
}


def create_user(
    *, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> AbstractBaseUser:
    """Validate and create a user; raises :class:`BadUserInputError` and writes nothing on failure.

    Runs the model's field validation (username characters and uniqueness, email format,
    lengths) and ``AUTH_PASSWORD_VALIDATORS``; stores the password only as Django's hash.
    """
    user_model = get_user_model()
    user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(error.message_dict)
    # Model fields accept NUL, but PostgreSQL refuses it in text: report it, don't crash on it.
    values = {
        "username": username,
        "password": password,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
    }
    for field, value in values.items():
        try:
            _no_nul(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        ordered = {name: errors.pop(field) for field, name in ARGUMENTS.items() if field in errors}
        # Anything left is not tied to one argument (model-wide validation).
        leftover = [message for messages in errors.values() for message in messages]
        raise BadUserInputError.from_field_errors(
            ordered | ({"input": leftover} if leftover else {})
        )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent createUser took the name between full_clean() and save().
        unique = user_model._meta.get_field("username").error_messages["unique"]
        raise BadUserInputError("username", str(unique)) from None
    return user
