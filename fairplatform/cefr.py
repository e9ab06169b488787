"""The Common European Framework of Reference levels, shared by CVs, vacancies and the match."""

from typing import Final

CEFR_LEVELS: Final = ("A1", "A2", "B1", "B2", "C1", "C2")
