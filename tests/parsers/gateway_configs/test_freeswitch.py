"""FreeSWITCH sofia gateways and dialplan."""

from gw_helpers import run


def test_gateways() -> None:
    _, (cfg,), _ = run("freeswitch-sofia-gateway.xml")
    assert [(a.id, a.username, a.register) for a in cfg.accounts] == [
        ("gateway:overseas-vos", "jd-trunk01", True), ("gateway:backup-carrier", "8073150002",
                                                       False)]
    assert cfg.accounts[0].line == 7


def test_dialplan_bridge_to_freetdm() -> None:
    _, (cfg,), _ = run("freeswitch-dialplan-public.xml")
    (route,) = cfg.routes
    assert (route.direction, route.match_callee, route.destination) == (
        "ip_to_tel", r"^99(\d+)$", "freetdm/1/a/$1")


def test_variant_realm_tcp() -> None:
    _, (cfg,), _ = run("freeswitch-gateway-variant.xml")
    assert cfg.sip_servers[0].host == "192.0.2.80" and cfg.sip_servers[0].transport == "tcp"
    assert cfg.accounts[0].username == "fsb-user"
