"""The admin dashboard: a login-protected Starlette app with pages and a JSON API."""

from admin.app import create_admin_app
from admin.probe import LiveStatus, ModelServerState, RedisStatusProbe, StatusProbe

__all__ = ["LiveStatus", "ModelServerState", "RedisStatusProbe", "StatusProbe", "create_admin_app"]
