"""Imports every module that defines tables, so Alembic and test set-up see the whole schema.

The core tables live in `domain/models.py` ; a capability's
live in `domain/<capability>/models.py` and are found here by name, so adding one needs no line here.
"""

import importlib
import importlib.util
import pkgutil

import domain
from domain import models  # noqa: F401

for _package in pkgutil.iter_modules(domain.__path__):
    if _package.ispkg and importlib.util.find_spec(f"domain.{_package.name}.models") is not None:
        importlib.import_module(f"domain.{_package.name}.models")
