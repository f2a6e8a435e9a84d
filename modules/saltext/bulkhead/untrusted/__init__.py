"""Bytes and text from a guest (or any less trusted peer), made safe for the host to use.

The bottom layer of the package: it imports nothing else of bulkhead, so every daemon, client and
state can use it. ``json_value.loads`` is the one parser of guest JSON (bounded size and nesting,
strict values); ``text.printable`` is the one escaping of guest text before it reaches a terminal,
a log or a Salt comment.
"""
