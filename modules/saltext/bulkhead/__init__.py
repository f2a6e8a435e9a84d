"""bulkhead: the Qubes OS isolation model on libvirt, as a Salt extension.

The library (model, plan, virt, net, policy, memory, image, verify) is importable without Salt;
``modules/`` and ``states/`` hold the thin Salt loader modules found through the
``salt.loader`` entry point.
"""

NAMESPACE = "https://bulkhead.invalid/xmlns/domain/1"
"""XML namespace of bulkhead's libvirt <metadata> element: objects carrying it are bulkhead's."""
