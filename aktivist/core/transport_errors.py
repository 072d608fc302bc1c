"""The one error a message transport raises: email (core/transports.py) and SMS
(core/sms.py) alike, caught by the senders (core/emails.py, mobilization)."""

from __future__ import annotations


class TransportError(Exception):
    """Sending failed.

    ``permanent``: sending it again cannot help. ``code``: the server's or provider's
    answer (e.g. "550 5.1.1 …", "Twilio 21610") without the address or number.
    ``recipient_refused``: the address or number itself was refused (suppress it).
    Email only: ``unsendable``: this message cannot be written or sent at all (an address
    with no usable form for this server), whatever the server says.
    SMS only: ``opted_out``: refused because the number's owner told the provider to stop;
    ``ambiguous``: sent without an answer (the provider may have taken it: never send it
    again); ``unreachable``: the provider could not be reached at all (nothing was sent).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        recipient_refused: bool = False,
        code: str = "",
        unsendable: bool = False,
        opted_out: bool = False,
        ambiguous: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.recipient_refused = recipient_refused
        self.code = code
        self.unsendable = unsendable
        self.opted_out = opted_out
        self.ambiguous = ambiguous
        self.unreachable = unreachable
