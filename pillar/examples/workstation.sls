{#- The demo workstation (`make demo`): a Qubes-like layout kept small enough for TCG emulation on
    two cores. Every key is explained in pillar.example at the repository root and docs/pillar.md. #}
{%- set images = "/var/cache/bulkhead/images/debian-min" %}
bulkhead:
  host:
    uri: qemu:///system
    # TCG emulation: works where KVM cannot run guests (e.g. nested virtualization).
    domain_type: qemu
    address_pool: 10.137.0.0/16
    # CPU separation by trust (docs/cpu-partitions.md): the vault (black) gets core 1 to itself,
    # every other domain runs on core 0, so no domain shares a core with the vault. Two partitions
    # are all this two-core host can hold.
    cpu_partitions:
      secret: {cpus: "1", labels: [black]}
      general: {cpus: "0", labels: [red, orange, yellow, green, gray, blue, purple]}

  # The memory balancer bulkhead-memd (docs/memory.md): domains grow from memory.initial towards
  # memory.max as they use memory, and shrink back when idle; starts are admitted only when the
  # memory is there. Every key has a default (pillar.example).
  memory:
    reserve_mib: 1024

  domains:
    # The template every app domain's root comes from (built by `bulkhead image build`).
    debian-min:
      class: template
      label: black
      netvm: none
      vcpus: 1
      memory: {initial: 128, max: 192}
      image:
        kind: kernel
        root: {{ images }}/root.img
        kernel: {{ images }}/vmlinuz
        initrd: {{ images }}/initrd.img

    # Stands in for the internet (a test fixture, not part of a real workstation): a web server on
    # ports 80 and 8080 and a DNS port on 198.51.100.1, alone with sys-net on the libvirt network
    # lab-internet (scripts/lab-network.sh creates it; scripts/lab-outside.sh starts the servers).
    outside:
      class: app
      template: debian-min
      label: red
      netvm: none
      uplink: {network: lab-internet, address: 198.51.100.1/24}
      vcpus: 1
      memory: {initial: 128, max: 192}
      running: true

    # Talks to the outside world; least trusted (red). Serves the network to sys-firewall.
    sys-net:
      class: app
      template: debian-min
      label: red
      provides_network: true
      netvm: none
      # On a real workstation: a libvirt network with a way out, such as 'default'.
      uplink: {network: lab-internet, address: 198.51.100.2/24, gateway: 198.51.100.1, dns: [198.51.100.1]}
      vcpus: 1
      memory: {initial: 128, max: 192}
      running: true

    # Enforces the firewall rules of every domain that uses it as netvm.
    sys-firewall:
      class: app
      template: debian-min
      label: green
      provides_network: true
      netvm: sys-net
      vcpus: 1
      memory: {initial: 128, max: 192}
      running: true
      # What sys-net lets through from sys-firewall: everything; sys-firewall filters its clients.
      firewall:
        - action: accept

    # Only the web server on outside:80, and DNS through sys-firewall.
    work:
      class: app
      template: debian-min
      label: blue
      netvm: sys-firewall
      vcpus: 1
      memory: {initial: 128, max: 192}
      running: true
      firewall:
        - action: accept
          proto: tcp
          dsthost: 198.51.100.1
          dstports: 80
          comment: the web server outside
        - action: accept
          specialtarget: dns
        - action: drop

    # Everything allowed.
    personal:
      class: app
      template: debian-min
      label: yellow
      netvm: sys-firewall
      vcpus: 1
      memory: {initial: 128, max: 192}
      running: true
      firewall:
        - action: accept

    # Keys and passwords: no network interface at all.
    vault:
      class: app
      template: debian-min
      label: black
      netvm: none
      vcpus: 1
      memory: {initial: 128, max: 192}
      running: true

    # The disposable template: disposables start from it and keep nothing.
    dvm-template:
      class: app
      template: debian-min
      label: red
      template_for_dispvms: true
      netvm: sys-firewall
      vcpus: 1
      memory: {initial: 128, max: 192}
      # Disposables the RPC broker creates from it on demand get these rules (and its netvm).
      firewall:
        - action: accept
          proto: tcp
          dsthost: 198.51.100.1
          dstports: 80
          comment: the web server outside

    untrusted:
      class: disposable
      template: dvm-template
      label: red
      netvm: sys-firewall
      vcpus: 1
      memory: {initial: 128, max: 192}

  # RPC between domains (docs/policy.md, the qrexec v5 grammar): the first matching rule decides,
  # a call no rule matches is denied. `bulkhead policy eval` shows what a call gets and why.
  policy:
    files:
      30-workstation.policy:
        - "# vault hands nothing to anyone: no file copy, no service, whatever is asked"
        - "* * vault @anyvm deny"
        - "# copying into vault asks; with nobody to ask (bulkhead:policy:ask is deny) it is refused"
        - qubes.Filecopy * work vault ask default_target=vault
        - "# personal may hand files to work (bulkhead verify copies an empty set this way)"
        - qubes.Filecopy * personal work allow
        - "# untrusted opens links only in a fresh disposable of dvm-template"
        - qubes.OpenURL * untrusted @dispvm allow

  # Deviations from the recommended state this workstation accepts (bulkhead tcb, docs/tcb.md).
  # The lab host's kernel is built without AppArmor, so libvirt runs QEMU without a MAC driver.
  tcb:
    accept:
      - deviation: security_driver_none
        reason: this host's kernel has no AppArmor (CONFIG_SECURITY_APPARMOR unset); DAC only
