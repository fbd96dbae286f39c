"""Parley: core."""
