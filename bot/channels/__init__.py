"""Messaging channels: SMS (Twilio), Messenger, Slack, Telegram and Teams (Bot Framework).

Each module subclasses Rasa's channel and adapts replies to what the platform can show
(docs/CHANNELS.md). `credentials` decides which channels are on.
"""
