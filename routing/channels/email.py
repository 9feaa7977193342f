"""E-mail: the stored text and HTML renderings as one multipart message per recipient.

The HTML keeps its inline SVG chart (it is markup, not an image, so there is no part to attach);
each item gets its feedback links right under its headline, and a digest whose layout does not
let us find an item lists its links in a feedback section at the end, so no item goes without.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from markupsafe import escape

from echolot.config.teams import EmailChannel
from routing.channels.base import (
    FEEDBACK_HEADING,
    OPEN_DIGEST_LABELS,
    Outgoing,
    OutgoingItem,
    PermanentFailure,
    TransientFailure,
)
from routing.channels.secrets import SmtpSettings

TIMEOUT_SECONDS = 30
DEFAULT_SENDER = "echolot@localhost"


class EmailDelivery:
    type = "email"

    def __init__(self, config: EmailChannel, smtp: SmtpSettings) -> None:
        self.name = config.name
        self._config = config
        self._smtp = smtp

    def recipients(self) -> list[str]:
        return list(self._config.to)

    def send(self, message: Outgoing, recipient: str) -> None:
        mail = compose(message, self._sender(), recipient)
        try:
            with _connect(self._smtp) as client:
                client.send_message(mail, from_addr=self._sender(), to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            text = f"{self._smtp.where} refused {recipient}: {_text(reply)}"
            raise _by_code(code, text) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise _by_code(exc.smtp_code, f"{self._smtp.where}: {_text(exc.smtp_error)}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(f"{self._smtp.where} refused the SMTP login "
                                   f"({exc.smtp_code})") from None  # fmt: skip
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(f"{self._smtp.where}: {exc}") from None
        except ssl.SSLCertVerificationError as exc:
            raise PermanentFailure(f"{self._smtp.where}: TLS certificate not trusted "
                                   f"({exc.verify_message})") from None  # fmt: skip
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, f"{self._smtp.where}: {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out, TLS
            raise TransientFailure(f"{self._smtp.where}: {exc or type(exc).__name__}") from None

    def _sender(self) -> str:
        return self._config.sender or self._smtp.sender or DEFAULT_SENDER


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=smtp.cafile)
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
    try:
        client.ehlo()
        if smtp.security == "starttls":
            if not client.has_extn("starttls"):
                raise PermanentFailure(f"{smtp.where} does not offer STARTTLS (set "
                                       "starttls=false only for a local relay)")  # fmt: skip
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password)
    except BaseException:
        client.close()
        raise
    return client


def compose(message: Outgoing, sender: str, recipient: str) -> EmailMessage:
    """The multipart/alternative e-mail: plain text first, HTML as the preferred part."""
    mail = EmailMessage()
    mail["Subject"] = f"{message.title} ({message.window})" if message.window else message.title
    mail["From"] = sender
    mail["To"] = recipient
    mail["Date"] = format_datetime(datetime.now(UTC))
    # Stable per message and recipient: a receiving system can drop a copy it already has.
    domain = sender.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = make_msgid(f"echolot.{message.outbox_id}.{message.digest_id}", domain)
    mail["X-Echolot-Message"] = f"{message.outbox_id}"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(text_body(message))
    mail.add_alternative(html_body(message), subtype="html")
    return mail


def text_body(message: Outgoing) -> str:
    lines = [message.text.rstrip()]
    with_links = [item for item in message.items if item.feedback]
    if with_links:
        lines += ["", FEEDBACK_HEADING.get(message.language, FEEDBACK_HEADING["en"])]
        for item in with_links:
            lines.append(f"- [{item.severity.upper()}] {item.headline}")
            lines += [f"    {message.labels[r]}: {url}" for r, url in item.feedback.items()]
    if message.digest_url:
        lines += ["", f"{_open_label(message)}: {message.digest_url}"]
    return "\n".join(lines) + "\n"


_LINK_STYLE = "color:#1a56db;text-decoration:underline;margin-right:14px;"


def _links_html(message: Outgoing, item: OutgoingItem) -> str:
    links = "".join(
        f'<a href="{escape(url)}" style="{_LINK_STYLE}">{escape(message.labels[reaction])}</a>'
        for reaction, url in item.feedback.items()
    )
    return (f'<p class="echolot-feedback" data-finding="{item.finding_id}" '
            f'style="margin:6px 0 0 0;font-size:12px;line-height:17px;">{links}</p>\n')  # fmt: skip


def html_body(message: Outgoing) -> str:
    """The stored HTML with each item's feedback links under its headline."""
    html = message.html
    leftovers = []
    position = 0
    for item in message.items:
        if not item.feedback:
            continue
        # The renderer writes every headline once as <strong>headline</strong> closing its <p>.
        headline = re.escape(f"<strong>{escape(' '.join(item.headline.split()))}</strong>")
        found = re.compile(headline + r"\s*</p>\s*").search(html, position)
        if found is None:
            leftovers.append(item)
            continue
        end = found.end()
        html = html[:end] + _links_html(message, item) + html[end:]
        position = end
    extra = ""
    if leftovers:
        heading = escape(FEEDBACK_HEADING.get(message.language, FEEDBACK_HEADING["en"]))
        rows = "".join(f"<p style=\"margin:8px 0 0 0;font-size:13px;\">"
                       f"<strong>{escape(item.headline)}</strong></p>{_links_html(message, item)}"
                       for item in leftovers)  # fmt: skip
        extra += (f'<div style="padding:12px 20px;font-family:Arial,Helvetica,sans-serif;">'
                  f'<p style="margin:0;font-size:14px;font-weight:bold;">{heading}</p>'
                  f"{rows}</div>")  # fmt: skip
    if message.digest_url:
        extra += (f'<p style="padding:0 20px;font-family:Arial,Helvetica,sans-serif;'
                  f'font-size:13px;"><a href="{escape(message.digest_url)}" style="color:#1a56db;">'
                  f"{escape(_open_label(message))}</a></p>")  # fmt: skip
    if extra:
        at = html.rfind("</body>")
        html = html[:at] + extra + "\n" + html[at:] if at >= 0 else html + extra
    return html


def _open_label(message: Outgoing) -> str:
    return OPEN_DIGEST_LABELS.get(message.language, OPEN_DIGEST_LABELS["en"])


def _by_code(code: int, text: str) -> PermanentFailure | TransientFailure:
    # SMTP: 4xx means "try again later", 5xx "this will not work".
    return TransientFailure(text) if 400 <= code < 500 else PermanentFailure(text)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
