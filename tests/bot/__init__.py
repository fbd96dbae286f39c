"""Parley: bot."""
