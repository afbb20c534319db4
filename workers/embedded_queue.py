"""The embedded broker: kombu's filesystem transport, with each message made to appear whole.

kombu's own transport opens a message's file under its final name and writes it after. A
worker polling in between moves the still empty file away, fails to decode it and drops it:
the page stays queued until the reconciler's next pass, minutes later (about 2 in 1,000
messages when a sender and a worker race; kombu issue 1551). Here a message is written
under a name no consumer takes and renamed into place once complete; a rename within one
folder is atomic, so a consumer sees the whole message or none."""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # kombu's stubs give the virtual base and the filesystem channel different signatures.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        """Same name and content as kombu's, written whole before it can be listed."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.part"  # not `<queue>.msg`: a consumer passes it by
        with open(partial, "wb") as file:
            file.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)


class Transport(filesystem.Transport):
    Channel = Channel
