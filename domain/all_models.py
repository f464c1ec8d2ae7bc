"""Imports every module that defines tables, so Alembic and test set-up see the whole schema."""

from domain import kb, models  # noqa: F401
from domain.leads import models as leads_models  # noqa: F401
