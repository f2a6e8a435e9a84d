{#- One isolated bridge network per domain that provides network. #}
{%- from tpldir ~ "/map.jinja" import bulkhead with context %}
include:
  - bulkhead.host

{%- for name, domain in bulkhead.domains | dictsort %}
{%-   if domain is mapping and domain.get("provides_network") is sameas true %}

bulkhead-networks-{{ name }}:
  bulkhead_network.present:
    - name: {{ name }}
    - require:
      - sls: bulkhead.host
{%-   endif %}
{%- endfor %}

{#- Always one state, so that `require: sls: bulkhead.networks` holds when no domain provides network. #}
bulkhead-networks:
  test.nop: []
