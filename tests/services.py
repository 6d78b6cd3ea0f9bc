"""Who the tests act as when they call the services."""

from __future__ import annotations

from snop.services.context import Actor

ME = Actor.of("tester")
