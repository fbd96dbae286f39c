"""Parley: inference."""
