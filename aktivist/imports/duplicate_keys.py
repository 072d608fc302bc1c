"""The keys the duplicate finder compares: an email address's canonical form (the mailbox it
reaches) and a person's folded, word-sorted name."""

from __future__ import annotations

from functools import lru_cache

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# Common typos of common domains. Real, distinct domains (telia.com and telia.se, hotmail.com
# and hotmail.se) are never mapped onto each other: they are different mailboxes.
DOMAIN_TYPOS: dict[str, str] = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gmal.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gnail.com": "gmail.com",
    "gmaill.com": "gmail.com",
    "gmail.se": "gmail.com",
    "gmail.co": "gmail.com",
    "gmail.cm": "gmail.com",
    "googlemail.com": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmai.com": "hotmail.com",
    "hotamil.com": "hotmail.com",
    "hotmail.co": "hotmail.com",
    "hotmial.se": "hotmail.se",
    "hotmal.se": "hotmail.se",
    "hotamil.se": "hotmail.se",
    "yaho.com": "yahoo.com",
    "yahooo.com": "yahoo.com",
    "yahoo.co": "yahoo.com",
    "yaho.se": "yahoo.se",
    "outlok.com": "outlook.com",
    "outllok.com": "outlook.com",
    "outloook.com": "outlook.com",
    "outlook.co": "outlook.com",
    "outlok.se": "outlook.se",
    "live.co": "live.com",
    "icloud.co": "icloud.com",
    "iclod.com": "icloud.com",
    "telia.con": "telia.com",
    "teila.com": "telia.com",
    "bredband.ner": "bredband.net",
}
TLD_TYPOS: dict[str, str] = {".con": ".com", ".cmo": ".com", ".comm": ".com", ".coom": ".com"}


@lru_cache(maxsize=65_536)
def canonical_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    mapped = DOMAIN_TYPOS.get(domain)
    if mapped is not None:
        return mapped
    for typo, right in TLD_TYPOS.items():
        if domain.endswith(typo):
            return domain[: -len(typo)] + right
    return domain


def canonical_email(email: str | None) -> str | None:
    """The mailbox an address reaches: ``A.Nna+news@GMial.com`` → ``anna@gmail.com``.
    None for an empty value or one without ``@``."""
    if not email:
        return None
    local, at, domain = email.strip().lower().rpartition("@")
    if not at or not local or not domain:
        return None
    domain = canonical_domain(domain)
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def local_part(canonical: str) -> str:
    """The mailbox name without dots, to compare addresses across providers."""
    return canonical.rpartition("@")[0].replace(".", "")


# --- Names ----------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "å": "a",
        "ä": "a",
        "á": "a",
        "à": "a",
        "â": "a",
        "æ": "ae",
        "ö": "o",
        "ø": "o",
        "ó": "o",
        "ô": "o",
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "ü": "u",
        "ú": "u",
        "í": "i",
        "ï": "i",
        "ç": "c",
        "ñ": "n",
        "-": " ",
        ".": " ",
        "'": "",
    }
)


@lru_cache(maxsize=262_144)
def fold(text: str) -> str:
    """Lower-cased, Swedish and other diacritics folded, hyphens as spaces."""
    return " ".join(text.lower().translate(_FOLD).split())


@lru_cache(maxsize=262_144)
def name_key(first: str, last: str) -> str:
    """The full name with its words sorted: equal keys are namesakes, and the plain ratio
    of two keys is rapidfuzz's token-sort ratio of the names."""
    return " ".join(sorted(fold(f"{first} {last}").split()))
