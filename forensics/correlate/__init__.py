"""Correlation: pure rules over records, run in this order (each may use the ones before).

Each rule is ``rule(case: CaseData) -> None`` and fills ``case.out`` lists.
"""

from forensics.correlate.complaints import rule_complaints
from forensics.correlate.devices import rule_devices
from forensics.correlate.gateway_configs import rule_gateway_configs
from forensics.correlate.host_artifacts import rule_host_artifacts
from forensics.correlate.landlines import rule_landlines
from forensics.correlate.links import rule_links
from forensics.correlate.network_detections import rule_network_detections, rule_wireguard_proof
from forensics.correlate.operators import rule_operators
from forensics.correlate.sip_calls import rule_sip_calls
from forensics.correlate.sip_peers import rule_sip_peers
from forensics.correlate.sip_registrations import rule_sip_registrations
from forensics.correlate.summary import rule_method, rule_summary

RULES = (
    rule_devices,
    rule_gateway_configs,
    rule_sip_registrations,
    rule_sip_calls,
    rule_sip_peers,
    rule_host_artifacts,
    rule_network_detections,
    rule_wireguard_proof,
    rule_landlines,
    rule_operators,
    rule_complaints,
    rule_links,
    rule_summary,
    rule_method,
)
