"""Parley's composition root: the command line, the web app and the process supervisor."""
