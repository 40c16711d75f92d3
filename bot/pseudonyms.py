"""Pseudonyms for conversation ids, wherever one leaves the process.

A conversation id is personal data: on SMS it is the sender's phone number. The tracker store
(PostgreSQL), the lock store and the rate limiter (Redis) write HMAC-SHA256(SENDER_ID_KEY, id)
instead. The same id always gives the same pseudonym, so every server finds the conversation, its
lock and its rate limit again; without the key nobody can tell which phone number a pseudonym stands
for, not even by trying every phone number (as they could with a plain hash).
"""
from __future__ import annotations

import hashlib
import hmac
import os
from typing import Mapping

from rasa.shared.exceptions import RasaException

SENDER_ID_KEY = "SENDER_ID_KEY"
MIN_KEY_LENGTH = 16


def pseudonym(sender_id: str, key: str) -> str:
    """What is written in place of a conversation id (on SMS, a phone number)."""
    return hmac.new(key.encode(), sender_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def key_from_env(env: Mapping[str, str] = os.environ) -> str:
    key = env.get(SENDER_ID_KEY) or ""
    if len(key) < MIN_KEY_LENGTH:
        raise RasaException(f"Keeping conversations, locks or rate limits in PostgreSQL or Redis needs "
                            f"{SENDER_ID_KEY}, a secret of at least {MIN_KEY_LENGTH} characters (e.g. "
                            "`openssl rand -hex 32`): conversation ids, phone numbers on SMS, are written "
                            "there as pseudonyms made with it")
    return key
