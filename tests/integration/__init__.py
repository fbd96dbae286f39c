"""Parley: integration."""
