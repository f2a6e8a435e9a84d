"""The system of the reference engine's parser tests (qubes-core-qrexec), as data: 17 domains,
remote ones (type RemoteVM, with fields bulkhead does not use) included."""

from __future__ import annotations

U = {  # domain -> uuid
    "dom0": "00000000-0000-0000-0000-000000000000",
    "test-vm1": "c9024a97-9b15-46cc-8341-38d75d5d421b",
    "test-vm2": "b3eb69d0-f9d9-4c3c-ad5c-454500303ea4",
    "test-vm3": "fa6d56e8-a89d-4106-aa62-22e172a43c8b",
    "test-vm4": "91e4fe8d-083b-4ddf-ad7b-fb4ebac537b9",
    "default-dvm": "f3e538bd-4427-4697-bed7-45ef3270df21",
    "test-invalid-dvm": "c4fa3586-a6b6-4dc4-bdda-c9e7375a12b5",
    "test-no-dvm": "53a450b9-a454-4416-8adb-46812257ad29",
    "test-template": "a9fe2b04-9fd5-4e95-be20-162433d64de0",
    "test-standalone": "6d7a02b5-532b-467f-b9fb-6596bae03c33",
    "test-remotevm1": "3d225b39-88e9-4696-8978-b27c1360e041",
    "test-relayvm1": "355304b8-bd5e-4699-9a2b-b6864fc26f6b",
    "test2-remotevm1": "c7825251-1bb2-4070-aec9-3a8dd13befbf",
    "test2-remotevm2": "6cd84a95-4336-445f-b125-6ecca1a40353",
    "test2-vm1": "c798d6db-360f-473a-b902-1cc58ffd3ab0",
    "test2-relayvm1": "41435947-21f8-41d9-9079-26df31f03d97",
    "test2-relayvm2": "044767bb-081e-4260-b7be-35e77c36d510",
}

# name: (type, tags, default_dispvm, template_for_dispvms, running)
_ROWS = {
    "dom0": ("AdminVM", ["dom0-tag"], "default-dvm", False, True),
    "test-vm1": ("AppVM", ["tag1", "tag2"], "default-dvm", False, True),
    "test-vm2": ("AppVM", ["tag2"], "default-dvm", False, True),
    "test-vm3": ("AppVM", ["tag3"], "default-dvm", True, False),
    "test-vm4": ("AppVM", [], "default-dvm", True, False),
    "default-dvm": ("AppVM", [], "default-dvm", True, False),
    "test-invalid-dvm": ("AppVM", ["tag1", "tag2"], "test-vm1", False, False),
    "test-no-dvm": ("AppVM", ["tag1", "tag2"], None, False, False),
    "test-template": ("TemplateVM", ["tag1", "tag2"], "default-dvm", False, False),
    "test-standalone": ("StandaloneVM", ["tag1", "tag2"], "default-dvm", False, False),
    "test-remotevm1": ("RemoteVM", ["relayvm-test-relayvm1"], None, False, True),
    "test-relayvm1": ("AppVM", [], None, False, True),
    "test2-remotevm1": ("RemoteVM", ["relayvm-test2-relayvm1"], None, False, True),
    "test2-remotevm2": ("RemoteVM", ["relayvm-test2-relayvm2"], None, False, True),
    "test2-vm1": ("AppVM", [], None, False, True),
    "test2-relayvm1": ("AppVM", [], None, False, True),
    "test2-relayvm2": ("AppVM", [], None, False, True),
}

SYSTEM_INFO = {
    "domains": {
        name: {
            "type": t,
            "tags": tags,
            "default_dispvm": dvm,
            "template_for_dispvms": tpl,
            "power_state": "Running" if running else "Halted",
            "uuid": U[name],
            **({"relayvm": "x", "transport_rpc": "qubesair.SSHProxy"} if t == "RemoteVM" else {}),
        }
        for name, (t, tags, dvm, tpl, running) in _ROWS.items()
    }
}

ALL = sorted(n for n in _ROWS if n != "dom0")
TEMPLATES = ["@dispvm:default-dvm", "@dispvm:test-vm3", "@dispvm:test-vm4"]
