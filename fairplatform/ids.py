"""Row ids that come from outside: a form, a query string, a socket frame."""

# The largest id a bigint primary key holds: a larger one is refused before any lookup, which
# SQLite would otherwise fail with an OverflowError.
ID_MAX = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """ASCII digits naming a possible row, or None ("²".isdigit() holds too, but int() refuses
    it)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(ID_MAX)):
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None
