"""The update script's report as the host reads it: apt's status, the changed package lines and
apt's last lines, escaped (they come from the template); no status line: the script never got
that far."""

from __future__ import annotations

from saltext.bulkhead.template_update import parse_report, update_script


def test_a_report_is_read():
    report = parse_report("bulkhead-update: apt rc=0\n< hello 1.0 ii \n> hello 2.0 ii \n"
                          "apt: Setting up hello (2.0) ...\n")
    assert report.ok and report.apt_rc == 0
    assert report.changed == ("< hello 1.0 ii ", "> hello 2.0 ii ")
    assert report.apt_tail == ("Setting up hello (2.0) ...",)


def test_a_failed_or_cut_update_is_not_ok_and_escaped():
    assert not parse_report("bulkhead-update: apt rc=100\napt: E: \x1b[31mbad\n").ok
    assert parse_report("apt: E: \x1b[31mbad\n").apt_tail == ("E: \\x1b[31mbad",)
    assert parse_report("").apt_rc is None


def test_the_script_goes_through_the_forwarder_and_fails_on_any_error():
    script = update_script("sys-net", 8082)
    assert "bulkhead-updates-forwarder sys-net 8082 " in script
    assert "Acquire::http::Proxy=http://127.0.0.1:8082/" in script
    assert "--error-on=any update" in script
    assert "if [ $rc -eq 0 ]; then" in script  # nothing is upgraded after a refused update
    assert "'sys-net;reboot'" in update_script("sys-net;reboot")
