"""Parley: parley."""
