"""Typed, immutable pillar model. ``load_pillar`` validates everything before anything changes."""

from .errors import PillarError, PillarIssue
from .load import load_pillar, load_pillar_file
from .pillar import (
    Domain,
    DomainClass,
    DomainType,
    FirewallRule,
    Formula,
    Host,
    Label,
    Memory,
    Pillar,
    TemplateImage,
)

__all__ = [
    "Domain",
    "DomainClass",
    "DomainType",
    "FirewallRule",
    "Formula",
    "Host",
    "Label",
    "Memory",
    "Pillar",
    "PillarError",
    "PillarIssue",
    "TemplateImage",
    "load_pillar",
    "load_pillar_file",
]
