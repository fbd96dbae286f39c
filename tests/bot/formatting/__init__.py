"""Tests of bot.formatting: rendering Markdown to Telegram HTML and splitting it."""
