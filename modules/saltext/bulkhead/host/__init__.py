"""What the host itself needs before any domain: libvirt's daemons running, the kernel features
domains use, the template images and the uplink networks (the formula's ``bulkhead.host``).

Each is a reconcile function (inspect, record each change and its step, run the steps unless in
test mode); a prerequisite that cannot be had is a failure naming it, in test mode too.
"""
