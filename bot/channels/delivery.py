"""Delivers a staff member's reply to a citizen on the channel the conversation came from.

Runs inside the Rasa server, where the running input channels are ``app.ctx.input_channels``
(a Sanic handler reaches them as ``request.app.ctx.input_channels``). The channels' own output
classes do the sending: the web widget gets a socket.io push into its session room, Zalo an OA
consultation message, Messenger a message tagged HUMAN_AGENT (allowed up to 7 days after the
citizen's last message, where an ordinary reply is allowed for 24 hours).
"""

from __future__ import annotations

import logging
from typing import Iterable, Optional, Protocol, runtime_checkable

from rasa.core.channels.channel import InputChannel, OutputChannel

from bot.channels.messenger import MessengerInput
from bot.channels.webhooks import masked

logger = logging.getLogger(__name__)


@runtime_checkable
class ReportingOutput(Protocol):
    """An output channel that tells whether the platform accepted the message."""

    async def deliver(self, recipient_id: str, text: str) -> bool: ...


async def deliver_staff_reply(
    input_channels: Iterable[InputChannel], channel_name: str, conversation_id: str, text: str
) -> bool:
    """Send ``text`` to ``conversation_id`` on the channel named ``channel_name`` (the
    tracker's latest input channel: "socketio", "zalo", "messenger"); False when it could not
    be sent (unknown or unconfigured channel, blocked user, platform error; each logged)."""
    channel = next((c for c in input_channels if c.name() == channel_name), None)
    output = _staff_output(channel) if channel else None
    if output is None:
        logger.warning(
            "Staff reply to %s not sent: channel %r is not available",
            masked(conversation_id),
            channel_name,
        )
        return False
    if isinstance(output, ReportingOutput):
        return await output.deliver(conversation_id, text)
    await output.send_text_message(conversation_id, text)
    return True


def _staff_output(channel: InputChannel) -> Optional[OutputChannel]:
    if isinstance(channel, MessengerInput):
        return channel.staff_output_channel()
    return channel.get_output_channel()
