"""Guest template images: ``bulkhead image build``, and ``bulkhead image ping|run`` to ask an agent.

A template is four files under ``<cache>/<name>/``: ``vmlinuz``, ``initrd.img``, ``root.img`` (raw
ext4) and ``manifest.json``. They are assembled from Debian packages without mounting anything;
the guest-side scripts they carry live in ``guest/`` (package data). The host side of the agent
protocol is the ``agent`` package.
"""
