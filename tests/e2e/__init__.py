"""Parley: e2e."""
