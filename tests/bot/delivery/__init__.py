"""Tests of delivery to Telegram."""
