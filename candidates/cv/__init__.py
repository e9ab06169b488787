"""Reading CVs: detect the kind by content, parse into one structured shape, check it (§2.2)."""
