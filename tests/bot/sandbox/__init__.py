"""Tests of the Telegram sandbox (bot/sandbox)."""
