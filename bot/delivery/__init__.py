"""Delivery of answers to Telegram: sending, streaming previews, limits and failures."""
