"""The HTTP doors: the REST API (``/api``, OpenAPI at ``/docs``) and the web pages, both
thin over :mod:`snop.services` (docs/api.md, docs/security.md)."""
