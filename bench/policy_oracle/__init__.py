"""Decisions of bulkhead's policy engine compared with the reference qrexec engine's (an oracle
directory outside this repository, see docs/policy.md "Checked against the reference")."""
