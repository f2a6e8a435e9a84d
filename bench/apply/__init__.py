"""Apply bench: bulkhead's reconcilers against saltext-virt's virt.defined, same domains."""
