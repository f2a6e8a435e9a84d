"""The host-side isolation checks, run by ``bulkhead verify`` or by pytest (docs/verify.md)."""
