"""Shared fixtures: a headless Chromium for the player and gallery page tests."""

from tests.browser import browser, page  # noqa: F401
