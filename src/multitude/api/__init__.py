"""HTTP: the JSON API (OpenAPI, under /api/v1) and the server-rendered web pages, over one Node."""

from multitude.api.app import create_app

__all__ = ["create_app"]
