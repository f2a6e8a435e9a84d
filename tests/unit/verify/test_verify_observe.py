"""Parsers of ip/bridge/virsh output (recorded from iproute2 6.1 and libvirt 9.0) and port roles."""

from __future__ import annotations

import ipaddress

from saltext.bulkhead.verify.attachments import UNPLANNED, attachments
from saltext.bulkhead.verify.observe import (
    binding_ports,
    bridge_ports,
    domain_nics,
    filter_binding,
    host_addresses,
)

from .helpers import example_plan, running

IP_ADDR = ('[{"ifindex":5,"ifname":"bh-b2f1931e","flags":["UP"],"addr_info":['
           '{"family":"inet","local":"192.0.2.1","prefixlen":32,"scope":"global"},'
           '{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]')
BRIDGE_LINK = ('[{"ifindex":27,"ifname":"vnet0","master":"bh-b2f1931e","isolated":true},'
               '{"ifindex":28,"ifname":"vnet1","master":"bh-b2f1931e","isolated":false},'
               '{"ifindex":2,"ifname":"eth0","flags":["UP"]}]')
BINDING_LIST = (
    " Port Dev   Filter\n--------------------\n"
    " vnet0      clean-traffic\n vnet3      clean-traffic\n"
)
BINDING_XML = """<filterbinding><owner><name>work</name>
  <uuid>9870df9a-ec67-5429-9263-83f4e6bf9acc</uuid></owner>
  <portdev name='vnet0'/><mac address='52:54:00:d8:0a:fa'/>
  <filterref filter='clean-traffic'><parameter name='IP' value='10.137.0.7'/>
  <parameter name='MAC' value='52:54:00:d8:0a:fa'/></filterref></filterbinding>"""


def test_host_addresses_lists_ipv4_and_ipv6():
    assert host_addresses(IP_ADDR) == ["192.0.2.1/32", "fe80::1/64"]
    assert host_addresses('[{"ifname":"bh-x","addr_info":[]}]') == []


def test_bridge_ports_keep_only_enslaved_ports_with_their_isolation():
    ports = bridge_ports(BRIDGE_LINK)
    assert sorted(ports) == ["vnet0", "vnet1"]
    assert ports["vnet0"].isolated and not ports["vnet1"].isolated


def test_binding_list_and_binding_xml():
    assert binding_ports(BINDING_LIST) == {"vnet0", "vnet3"}
    assert binding_ports(" Port Dev   Filter\n--------------------\n\n") == set()
    binding = filter_binding(BINDING_XML)
    assert (binding.port, binding.owner, binding.filter) == ("vnet0", "work", "clean-traffic")
    assert binding.parameter("IP") == ["10.137.0.7"] and binding.parameter("CTRL_IP_LEARNING") == []


def test_attachments_give_each_tap_its_role_bridge_and_address():
    plan = example_plan()
    live = {"work": running(plan.domains["work"].xml, ["vnet0"]),
            "sys-firewall": running(plan.domains["sys-firewall"].xml, ["vnet1", "vnet2"]),
            "not-in-pillar": running(plan.domains["work"].xml, ["vnet9"])}
    found = {a.port: a for a in attachments(plan, live)}
    assert sorted(found) == ["vnet0", "vnet1", "vnet2"]
    fw_net = plan.network_of("sys-firewall")
    assert (found["vnet0"].role, found["vnet0"].bridge) == ("uplink", fw_net.bridge)
    assert found["vnet0"].address == plan.domains["work"].allocation.address
    assert (found["vnet1"].role, found["vnet1"].bridge) == (
        "uplink",
        plan.network_of("sys-net").bridge,
    )
    assert (found["vnet2"].role, found["vnet2"].bridge) == ("serving", fw_net.bridge)
    assert isinstance(found["vnet2"].address, ipaddress.IPv4Address)


def test_a_nic_with_an_unknown_mac_is_unplanned():
    plan = example_plan()
    xml = running(plan.domains["work"].xml, ["vnet5"]).replace(
        plan.domains["work"].allocation.nics[0].mac, "52:54:00:00:00:01"
    )
    [att] = attachments(plan, {"work": xml})
    assert (att.role, att.port, att.bridge) == (UNPLANNED, "vnet5", None)
    assert domain_nics(xml)[0].mac == "52:54:00:00:00:01"
