"""Country names as people write them, in German and English, to ISO 3166-1 alpha-2 codes.

The names come from pycountry's data (ISO 3166-1 and its German translation, maintained by
Debian's iso-codes project), so a new or renamed country arrives with a pycountry update.
`ALIASES` adds the few everyday names that are not ISO's ("Russland", "USA", "UK").
"""

from __future__ import annotations

import gettext
import re
from functools import cache

import pycountry

# Everyday names and codes that ISO's lists do not carry (after `normalise`).
ALIASES = {
    "uk": "GB",
    "el": "GR",
    "england": "GB",
    "grossbritannien": "GB",
    "greatbritain": "GB",
    "usa": "US",
    "us": "US",
    "vereinigtestaaten": "US",
    "amerika": "US",
    "russland": "RU",
    "russia": "RU",
    "sudkorea": "KR",
    "southkorea": "KR",
    "holland": "NL",
    "turkei": "TR",
    "turkey": "TR",
    "vae": "AE",
    "uae": "AE",
}


def normalise(text: str) -> str:
    """Case, accents, spaces and punctuation do not matter: "Türkei" = "turkei"."""
    folded = text.casefold().replace("ß", "ss")
    for accented, plain in (("ä", "a"), ("ö", "o"), ("ü", "u"), ("é", "e"), ("è", "e")):
        folded = folded.replace(accented, plain)
    return re.sub(r"[^a-z0-9]", "", folded)


@cache
def _names() -> dict[str, str]:
    german = _german()
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        english = [getattr(country, attr, "") for attr in ("name", "official_name", "common_name")]
        spellings = [*english, *(german.gettext(e) for e in english if e)]
        for spelling in [country.alpha_3, country.numeric, *spellings]:
            if spelling:
                names.setdefault(normalise(spelling), code)
        names[normalise(code)] = code
    names.update(ALIASES)
    return names


def country_code(text: str) -> str | None:
    """The ISO alpha-2 code of a country written as a code (DE, DEU) or a name in German or
    English ("Deutschland", "Germany", "Bundesrepublik Deutschland"), or None."""
    key = normalise(text.strip())
    return _names().get(key) if key else None


@cache
def _german() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])


def country_name(code: str, language: str) -> str:
    """A country code as people read it in `language` ("DE" -> "Deutschland" / "Germany"): the
    common name where ISO has one ("Bolivia", not "Bolivia, Plurinational State of"); a
    text that is no code stays as it is."""
    country = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if country is None:
        return code
    english = getattr(country, "common_name", "") or country.name
    if language.split("-")[0] == "de":
        german = _german().gettext(english)
        return german if german != english else _german().gettext(country.name)
    return english
