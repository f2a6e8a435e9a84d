"""The host-side isolation checks, run by ``bulkhead verify`` or directly with pytest (docs/verify.md)."""
