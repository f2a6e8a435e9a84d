{#- A bare minion made a libvirt host for bulkhead: the saltext loaded, the pillar valid, the
    host's packages installed, libvirt's daemons running, the kernel's features there, every
    template image built (bulkhead image build, a no-op for the same inputs), the uplink
    networks of bulkhead:host:uplinks defined, and bulkhead's storage pool. Every other bulkhead
    state requires this SLS, so an invalid pillar or a missing prerequisite changes nothing. #}
{%- from tpldir ~ "/map.jinja" import bulkhead with context %}
{%- set packages = ["libvirt-daemon-system", "libvirt-clients", "qemu-system-x86", "qemu-utils",
                    "nftables", "iproute2", "dnsmasq-base", "ebtables", "busybox-static", "cpio",
                    "zstd", "xz-utils", "e2fsprogs"] %}
{#- Debian templates of bulkhead:images are made by mmdebstrap. #}
{%- if pillar.get("bulkhead", {}).get("images") %}
{%-   set packages = packages + ["mmdebstrap"] %}
{%- endif %}

{#- The bulkhead_* modules come from the Python package saltext-bulkhead installed into the
    minion's own Salt (docs/fleet.md); without it every state below would fail obscurely. #}
bulkhead-host-saltext:
{%- if "bulkhead_pillar.check" in salt %}
  test.succeed_without_changes:
    - comment: saltext-bulkhead is loaded in this minion's Salt
{%- else %}
  test.fail_without_changes:
    - comment: >-
        saltext-bulkhead is not installed in this minion's Salt: install it with the Python
        that runs salt-minion (salt-pip install saltext-bulkhead, or python3 -m pip install
        saltext-bulkhead), restart the minion, see docs/fleet.md
{%- endif %}

bulkhead-host-pillar-valid:
  bulkhead_pillar.valid:
    - require:
      - test: bulkhead-host-saltext

{%- if grains.get("os_family") == "Debian" %}

bulkhead-host-packages:
  pkg.installed:
    - pkgs: {{ packages | json }}
    - refresh: False
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
{%-   set packages_req = "pkg: bulkhead-host-packages" %}
{%- else %}
{%-   set packages_req = "bulkhead_pillar: bulkhead-host-pillar-valid" %}
{%- endif %}

{%- if grains.get("init") == "systemd" %}

bulkhead-host-libvirt:
  service.running:
    - names: [virtlogd, libvirtd]
    - enable: True
    - require:
      - {{ packages_req }}
{%-   set libvirt_req = "service: bulkhead-host-libvirt" %}
{%- else %}

{#- No service manager runs this host (a container): bulkhead's own start logic does. #}
bulkhead-host-libvirt:
  bulkhead_host.libvirt_running:
    - require:
      - {{ packages_req }}
{%-   set libvirt_req = "bulkhead_host: bulkhead-host-libvirt" %}
{%- endif %}

bulkhead-host-kernel:
  bulkhead_host.kernel_ready:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid

{%- for name, domain in bulkhead.domains | dictsort %}
{%-   if domain is mapping and domain.get("image") is mapping %}

bulkhead-host-image-{{ name }}:
  bulkhead_host.template_built:
    - name: {{ name }}
    - require:
      - {{ packages_req }}
{%-   endif %}
{%- endfor %}

bulkhead-host-uplinks:
  bulkhead_host.uplinks_present:
    - require:
      - {{ libvirt_req }}

bulkhead-host-pool:
  bulkhead_pool.present:
    - require:
      - {{ libvirt_req }}
      - bulkhead_host: bulkhead-host-kernel
