from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from signaling.protocol import protocol_constants

register = template.Library()


@register.simple_tag
def protocol_json() -> SafeString:
    """The protocol's version and names, from signaling/protocol.py, for ws-client.js to check."""
    return json_script(protocol_constants(), "fair-protocol")
