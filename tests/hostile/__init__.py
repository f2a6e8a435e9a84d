"""Hostile-guest tests: each acts as a compromised guest through the real wire protocol (real
frames over socketpairs or the daemons' real unix sockets) and proves what it may cost the host."""
