{#- Domains in dependency order: templates, then the domains built on them; netvms start before
    their clients. Power state follows each domain's `running:` flag. #}
{%- from tpldir ~ "/map.jinja" import bulkhead with context %}
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.memory

{%- for name, domain in bulkhead.domains | dictsort %}
{%-   set domain = domain if domain is mapping else {} %}
{%-   if not bulkhead.formula.manage_power %}
{%-     set fun = "present" %}
{%-   elif domain.get("running") is sameas true %}
{%-     set fun = "running" %}
{%-   else %}
{%-     set fun = "halted" %}
{%-   endif %}

bulkhead-domains-{{ name }}:
  bulkhead_domain.{{ fun }}:
    - name: {{ name }}
{%-   if fun == "halted" %}
    - timeout: {{ bulkhead.formula.shutdown_timeout }}
{%-   endif %}
    - require:
      - sls: bulkhead.networks
      - sls: bulkhead.memory
{%-   for dep in [domain.get("template"), domain.get("netvm")] %}
{%-     if dep is string and dep in bulkhead.domains and dep != name %}
      - bulkhead_domain: bulkhead-domains-{{ dep }}
{%-     endif %}
{%-   endfor %}
{%- endfor %}
