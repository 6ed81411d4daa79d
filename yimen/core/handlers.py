"""Core's outbox handlers, registered at start-up by CoreConfig.ready()."""

from __future__ import annotations

from yimen.core import events, notify


@events.handles(events.SMS_SEND)
def send_sms(message: events.Message[events.SmsQueued]) -> None:
    notify.send_queued(key=message.key, payload=message.payload)
