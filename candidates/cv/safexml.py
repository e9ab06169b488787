"""XML from strangers: no DTD, no entities, no network, bounded size, depth and element count."""

import io
import xml.etree.ElementTree as ET  # types and ParseError; parsing goes through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext_lazy as _

from fairplatform.errors import DomainError

MAX_DEPTH = 64
MAX_ELEMENTS = 100_000


def unsafe_xml() -> DomainError:
    return DomainError(
        "cv.unsafe_xml",
        _(
            "This XML file contains constructs we do not accept for safety (entities, a DTD or "
            "extreme nesting). Export the CV again from the Europass website."
        ),
    )


def corrupt_xml() -> DomainError:
    return DomainError(
        "cv.corrupt",
        _(
            "This XML file is damaged and cannot be read. Export the CV again and upload the new file."
        ),
    )


def parse_xml(data: bytes, *, max_depth: int = MAX_DEPTH) -> ET.Element:
    """Parse untrusted XML, refusing anything a billion-laughs or XXE attack needs."""
    depth = elements = 0
    root: ET.Element | None = None
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "end":
                depth -= 1
                continue
            root = element if root is None else root
            depth += 1
            elements += 1
            if depth > max_depth or elements > MAX_ELEMENTS:
                raise unsafe_xml()
    except DefusedXmlException as exc:
        raise unsafe_xml() from exc
    except ET.ParseError as exc:
        raise corrupt_xml() from exc
    if root is None:
        raise corrupt_xml()
    return root


def local_name(element: ET.Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(element: ET.Element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: ET.Element | None, name: str) -> list[ET.Element]:
    """Direct children with this local name, whatever their namespace prefix."""
    return [] if element is None else [c for c in element if local_name(c) == name]


def child(element: ET.Element | None, name: str) -> ET.Element | None:
    found = children(element, name)
    return found[0] if found else None


def descendants(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [e for e in element.iter() if local_name(e) == name]


def text_at(element: ET.Element | None, *path: str) -> str:
    """The stripped text at a path of local names (first match at each step), or ""."""
    for name in path:
        element = child(element, name)
    return (element.text or "").strip() if element is not None else ""


def all_text(element: ET.Element) -> str:
    return " ".join(part.strip() for part in element.itertext() if part.strip())
