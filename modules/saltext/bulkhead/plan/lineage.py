"""Which domain a domain's root, private data and kernel come from.

Templates and standalones own a root imported from their image. An app boots its template's
image over a copy-on-write overlay of the template's root; a disposable is based on a disposable
template (an app with ``template_for_dispvms``): its root overlays that app's template's root and
its private data overlays that app's private volume.
"""

from __future__ import annotations

from ..model import DomainClass, Pillar, TemplateImage
from .errors import PlanError


def image_owner(pillar: Pillar, name: str) -> str:
    """The domain whose ``image`` this domain boots (follows templates until one has an image)."""
    seen: list[str] = []
    current = name
    while pillar.domains[current].image is None:
        seen.append(current)
        template = pillar.domains[current].template
        if template is None or template not in pillar.domains or template in seen:
            raise PlanError(f"bulkhead:domains:{name}: no image reachable through its templates")
        current = template
    return current


def image_of(pillar: Pillar, name: str) -> TemplateImage:
    image = pillar.domains[image_owner(pillar, name)].image
    assert image is not None  # image_owner only returns domains with an image
    return image


def root_base(pillar: Pillar, name: str) -> str:
    """The domain owning the root volume this domain's root is derived from (itself if own)."""
    domain = pillar.domains[name]
    if domain.image is not None:
        return name
    template = domain.template
    if template is None or template not in pillar.domains:
        raise PlanError(
            f"bulkhead:domains:{name}:template: a {domain.class_.value} domain needs a template"
        )
    if domain.class_ == DomainClass.disposable:
        return root_base(pillar, template)
    return template


def private_base(pillar: Pillar, name: str) -> str | None:
    """For a disposable: the domain whose private volume backs its throwaway private overlay."""
    domain = pillar.domains[name]
    if domain.class_ != DomainClass.disposable:
        return None
    if domain.template is None or domain.template not in pillar.domains:
        raise PlanError(
            f"bulkhead:domains:{name}:template: a disposable needs a disposable template"
        )
    return domain.template
