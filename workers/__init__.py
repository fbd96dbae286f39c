"""Parley: workers."""
