"""Reads for the studio's webhook pages."""

from django.db.models import QuerySet

from accounts.models import User
from hooks.models import Delivery, Endpoint


def endpoints_for(*, owner: User) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(owner=owner)


def endpoint_get_for_owner(*, owner: User, pk: int) -> Endpoint | None:
    return Endpoint.objects.filter(owner=owner, pk=pk).first()


def deliveries_for(*, endpoint: Endpoint, limit: int = 50) -> list[Delivery]:
    return list(endpoint.deliveries.order_by("-created_at", "-pk")[:limit])


def delivery_get_for_owner(*, owner: User, pk: int) -> Delivery | None:
    return Delivery.objects.select_related("endpoint").filter(endpoint__owner=owner, pk=pk).first()
