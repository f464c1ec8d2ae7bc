"""The leads router, on which the modules of this package register."""

from __future__ import annotations

from handlers.router import Router

router = Router("leads")
