"""A real SMTP server on loopback for the mobilization tests (aiosmtpd), run as its own
process: ``python -m aktivist.mobilization.tests.smtp_sink PORT DIR [smtputf8]`` (with
``smtputf8`` it offers SMTPUTF8, RFC 6531: non-ASCII addresses).

Every accepted message is written to DIR as one file (the envelope's recipient on the
first line, then the message as received). Recipients whose local part starts with
``bounce`` are refused for good (550), ``tempfail`` for now (451): the tests' hard and
soft bounces.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_RCPT(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = self.directory / f"{uuid.uuid4().hex}.eml"
        tmp = name.with_suffix(".tmp")
        data = envelope.original_content or envelope.content
        with open(tmp, "wb") as out:
            out.write((",".join(envelope.rcpt_tos) + "\n").encode())
            out.write(data)
        os.replace(tmp, name)  # readers never see half a message
        return "250 Message accepted for delivery"


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    smtputf8 = sys.argv[3:4] == ["smtputf8"]
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        Handler(directory), hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8
    )
    controller.start()
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
