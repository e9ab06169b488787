"""XML from strangers: no DTD, no entities, no network, bounded size, depth and element count."""

import io
import xml.etree.ElementTree as ET  # types and ParseError; parsing goes through defusedxml
from collections.abc import Callable

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from fairplatform.errors import DomainError

MAX_DEPTH = 64
MAX_ELEMENTS = 100_000


def parse_xml(
    data: bytes,
    *,
    refuse_unsafe: Callable[[], DomainError],
    refuse_corrupt: Callable[[], DomainError],
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> ET.Element:
    """Parse untrusted XML, refusing anything a billion-laughs or XXE attack needs.

    Each use says what to tell the person whose file is refused: `refuse_unsafe` for a DTD,
    entities or more depth or elements than allowed, `refuse_corrupt` for what is not XML."""
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
            if depth > max_depth or elements > max_elements:
                raise refuse_unsafe()
    except DefusedXmlException as exc:
        raise refuse_unsafe() from exc
    except ET.ParseError as exc:
        raise refuse_corrupt() from exc
    if root is None:
        raise refuse_corrupt()
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
