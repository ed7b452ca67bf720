"""Gateway configuration dump parsers, one module per vendor family.

``PARSERS`` lists them in sniff order: specific families first, the keyword-based
``generic`` fallback (confidence "low") last.
"""

from parsers.gateway_configs import (
    asterisk,
    audiocodes,
    cisco_spa,
    dbl_goip,
    fanvil,
    flyingvoice,
    freeswitch,
    generic,
    grandstream,
    patton,
    yeastar,
)

PARSERS = (
    grandstream.PARSER,
    cisco_spa.PARSER,
    audiocodes.PARSER,
    patton.PARSER,
    yeastar.PARSER,
    fanvil.PARSER,
    flyingvoice.PARSER,
    asterisk.PARSER,
    freeswitch.PARSER,
    dbl_goip.PARSER,
    generic.PARSER,
)
