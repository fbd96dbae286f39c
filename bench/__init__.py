"""Parley: bench."""
