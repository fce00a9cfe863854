"""The tutorial's API: serializers and generic views guarded by DOT's scope permissions.

Plus ``bare_users``: the list's JSON from one ``.values()`` query, with no authentication and no
framework, the floor any implementation of the list is measured against.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.http import HttpRequest, JsonResponse
from oauth2_provider.contrib.rest_framework import TokenHasReadWriteScope, TokenHasScope
from rest_framework import generics, permissions, serializers

USER_FIELDS = ("username", "email", "first_name", "last_name")


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = USER_FIELDS


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ("name",)


class UserList(generics.ListCreateAPIView):
    permission_classes = [permissions.IsAuthenticated, TokenHasReadWriteScope]
    queryset = User.objects.all()
    serializer_class = UserSerializer


class UserDetails(generics.RetrieveAPIView):
    permission_classes = [permissions.IsAuthenticated, TokenHasReadWriteScope]
    queryset = User.objects.all()
    serializer_class = UserSerializer


class GroupList(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, TokenHasScope]
    required_scopes = ["groups"]
    queryset = Group.objects.all()
    serializer_class = GroupSerializer


def bare_users(request: HttpRequest) -> JsonResponse:
    rows = list(User.objects.order_by("pk").values(*USER_FIELDS)[:100])
    return JsonResponse(rows, safe=False)
