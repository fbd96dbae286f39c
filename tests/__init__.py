"""Parley: tests."""
