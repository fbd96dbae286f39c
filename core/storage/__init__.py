"""Parley: storage."""
