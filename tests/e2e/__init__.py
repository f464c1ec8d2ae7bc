"""End-to-end tests across both messengers at once: our aiohttp app, the real SDK clients, both fakes."""
