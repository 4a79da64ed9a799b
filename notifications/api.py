"""REST API of the dealership's own message texts: list them, put one (refused with a field
error when it names a placeholder its kind cannot fill), delete one to go back to the built-in."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dealerships.access import Capability
from dealerships.scoping import DealershipApiMixin
from notifications import selectors, templating
from notifications.models import TEMPLATE_MAX_LENGTH, MessageTemplate
from notifications.rendering import EDITABLE_KINDS
from notifications.services import texts


class MessageTemplateSerializer(serializers.ModelSerializer):
    placeholders = serializers.SerializerMethodField()

    class Meta:
        model = MessageTemplate
        fields = ["kind", "language", "subject", "body", "placeholders", "updated_at"]

    def get_placeholders(self, template: MessageTemplate) -> list[str]:
        return list(templating.allowed_placeholders(template.kind))


class MessageTemplateInputSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=TEMPLATE_MAX_LENGTH)


def _kind_and_language(kind: str, language: str) -> tuple[str, str]:
    if kind not in EDITABLE_KINDS or language not in dict(settings.LANGUAGES):
        raise Http404
    return kind, language


class MessageTemplateListApi(DealershipApiMixin, APIView):
    """The dealership's own texts; a kind and language not listed uses the built-in text."""

    read_capability = Capability.MANAGE_DEALERSHIP
    write_capability = Capability.MANAGE_DEALERSHIP

    @extend_schema(responses=MessageTemplateSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        rows = selectors.message_template_list(dealership=self.dealership)
        return Response(MessageTemplateSerializer(rows, many=True).data)


class MessageTemplateDetailApi(DealershipApiMixin, APIView):
    """One kind of message in one language: PUT the dealership's own text, DELETE it."""

    read_capability = Capability.MANAGE_DEALERSHIP
    write_capability = Capability.MANAGE_DEALERSHIP

    @extend_schema(responses=MessageTemplateSerializer)
    def get(self, request: Request, dealership_slug: str, kind: str, language: str) -> Response:
        kind, language = _kind_and_language(kind, language)
        template = selectors.message_template_get(dealership=self.dealership, kind=kind, language=language)
        if template is None:
            raise Http404
        return Response(MessageTemplateSerializer(template).data)

    @extend_schema(request=MessageTemplateInputSerializer, responses=MessageTemplateSerializer)
    def put(self, request: Request, dealership_slug: str, kind: str, language: str) -> Response:
        kind, language = _kind_and_language(kind, language)
        serializer = MessageTemplateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = texts.message_template_save(
            dealership=self.dealership, kind=kind, language=language, **serializer.validated_data
        )
        return Response(MessageTemplateSerializer(template).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dealership_slug: str, kind: str, language: str) -> Response:
        kind, language = _kind_and_language(kind, language)
        if not texts.message_template_reset(dealership=self.dealership, kind=kind, language=language):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
