"""Guest template images: ``bulkhead image build`` and the host side of the guest agent.

A template is four files under ``<cache>/<name>/``: ``vmlinuz``, ``initrd.img``, ``root.img`` (raw
ext4) and ``manifest.json``. They are assembled from Debian packages without mounting anything;
the guest-side scripts they carry live in ``guest/`` (package data).
"""
