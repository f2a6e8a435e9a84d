"""The three kinds of text reconcile functions hand back, each with its own name.

A bare ``str | None`` said nothing about what the text is: a libvirt XML document, the reason
bulkhead will not converge something (the state fails with it as its comment), or a note a step
adds to the comment. Each is a ``str`` at run time; the name says which one a function returns.
"""

from __future__ import annotations

from typing import NewType

# A libvirt XML document (a domain's inactive definition, a network's, a volume's).
Xml = NewType("Xml", str)
# Why bulkhead will not converge an object, for the admin: an object in the way that bulkhead
# does not own, or a request it will not carry out. None where there is none.
Refusal = NewType("Refusal", str)
# What a step adds to the state's comment (e.g. that the test driver keeps no volume contents).
Note = NewType("Note", str)
