"""The ways out: SMS and WhatsApp through the `twilio` library, e-mail through Django's e-mail
framework, and the console, where SMS goes when no Twilio account is configured (the embedded
default). A failure is either transient (a timeout, HTTP 429 or 5xx, an SMTP server away: the
dispatcher retries with backoff) or permanent (an invalid or unsubscribed number: marked)."""

import logging
import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.http.response import Response  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

console_logger = logging.getLogger("notifications.console")
# The library logs every request and response at INFO, headers included: warnings are enough.
_twilio_logger = logging.getLogger("notifications.twilio")
_twilio_logger.setLevel(logging.WARNING)

TWILIO_API = "https://api.twilio.com"
# Twilio's error codes that no retry will change (https://www.twilio.com/docs/api/errors).
PERMANENT_TWILIO_CODES = frozenset(
    {
        21211,  # invalid 'To' number
        21214,  # 'To' number cannot be reached
        21408,  # no permission to send to the region
        21610,  # the recipient replied STOP
        21612,  # 'To' number not reachable by this sender
        21614,  # 'To' is not a mobile number
        63003,  # WhatsApp: invalid destination
        63016,  # WhatsApp: outside the 24-hour window without a template
    }
)
RECENT_LOOKUP_LIMIT = 20  # the latest messages to one number, enough to find one just sent


class SendError(Exception):
    """The channel did not take the message."""


class TransientSendError(SendError):
    """Worth trying again later."""


class PermanentSendError(SendError):
    """No retry will change it: the advisor is told."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TwilioAccount:
    account_sid: str
    auth_token: str
    sms_from: str = ""
    messaging_service_sid: str = ""
    whatsapp_from: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token)


@dataclass(frozen=True, kw_only=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Outgoing:
    """One message, rendered, on its way out."""

    reference: int  # the outbox row's id: the console channel names it
    to: str
    body: str
    subject: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    status_callback: str = ""


class _StubbableHttpClient(TwilioHttpClient):
    """The library's own HTTP client, whose API address settings.TWILIO_API_BASE_URL can move
    (the tests' local stub server speaks Twilio's Messages API)."""

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        base = settings.TWILIO_API_BASE_URL
        if base and url.startswith(TWILIO_API):
            url = base.rstrip("/") + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


@cache
def _twilio_client(account_sid: str, auth_token: str) -> Client:
    # One client (and one connection pool) per account and process.
    http_client = _StubbableHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS, logger=_twilio_logger)
    return Client(account_sid, auth_token, http_client=http_client)


def twilio_send(outgoing: Outgoing, *, account: TwilioAccount, whatsapp: bool = False) -> str:
    """Send an SMS (or a WhatsApp message) through Twilio's Messages API; the message's SID."""
    to = f"whatsapp:{outgoing.to}" if whatsapp else outgoing.to
    arguments: dict[str, str] = {"to": to, "body": outgoing.body}
    if whatsapp:
        arguments["from_"] = f"whatsapp:{account.whatsapp_from}"
    elif account.messaging_service_sid:
        arguments["messaging_service_sid"] = account.messaging_service_sid
    else:
        arguments["from_"] = account.sms_from
    if outgoing.status_callback:
        arguments["status_callback"] = outgoing.status_callback
    client = _twilio_client(account.account_sid, account.auth_token)
    try:
        message = client.messages.create(**arguments)
    except TwilioRestException as error:
        detail = f"Twilio {error.status} {error.code or ''}: {error.msg}".strip()[:300]
        if error.status == 429 or error.status >= 500:
            raise TransientSendError(detail) from error
        if error.code in PERMANENT_TWILIO_CODES or 400 <= error.status < 500:
            raise PermanentSendError(detail) from error
        raise TransientSendError(detail) from error
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientSendError(f"Twilio unreachable: {type(error).__name__}") from error
    return str(message.sid)


def twilio_sent_lookup(*, to: str, body: str, since: datetime, account: TwilioAccount, whatsapp: bool) -> str:
    """The SID of a message with this body that Twilio took for `to` since `since`, or "": the
    check before sending again a message whose worker died mid-send."""
    recipient = f"whatsapp:{to}" if whatsapp else to
    client = _twilio_client(account.account_sid, account.auth_token)
    try:
        recent = client.messages.list(to=recipient, limit=RECENT_LOOKUP_LIMIT)
    except TwilioRestException as error:
        raise TransientSendError(f"Twilio {error.status}: cannot check what was sent") from error
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientSendError(f"Twilio unreachable: {type(error).__name__}") from error
    wanted = _without_links(body)
    for message in recent:
        created = message.date_created
        if _without_links(message.body or "") == wanted and (created is None or created >= since):
            return str(message.sid)
    return ""


_LINK = re.compile(r"https?://\S+")


def _without_links(text: str) -> str:
    # A manage link is signed with the time it was made: the same message rendered again a
    # moment later differs by its link alone.
    return _LINK.sub("", text)


def console_send(outgoing: Outgoing, *, channel: str) -> str:
    """The embedded default for SMS: the text goes to the log, as the customer would read it."""
    console_logger.info("%s to %s: %s", channel.upper(), outgoing.to, outgoing.body)
    return f"console-{outgoing.reference}"


def email_send(outgoing: Outgoing) -> str:
    """Through the configured e-mail backend (the console by default, SMTP with EMAIL_HOST)."""
    message = EmailMessage(outgoing.subject, outgoing.body, settings.DEFAULT_FROM_EMAIL, [outgoing.to])
    for attachment in outgoing.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    message.extra_headers["X-Outbox-Message"] = str(outgoing.reference)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentSendError(f"SMTP refused the address: {error.recipients}"[:300]) from error
    except (smtplib.SMTPException, OSError) as error:  # a server away, a timeout, a 4xx answer
        raise TransientSendError(f"SMTP: {type(error).__name__}: {error}"[:300]) from error
    return message.extra_headers.get("Message-ID", "") or f"email-{outgoing.reference}"
