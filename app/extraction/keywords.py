"""Keyword and pattern matching for the offline extractor: sentences, negation, quoted text and steering
filters."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from app.domain.transcript import TranscriptMessage

AUTHOR_WEIGHTS = {"customer": 1.0, "handoff": 1.0}  # the AI's own words are no evidence ("How can I help?")
EVIDENCE_WINDOW = 200
# A sentence ends at . ! ? or a line break, but not at the point of a number ("49.90", "v2.3").
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+[.!?]*")
_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|nicht|kein\w*|pas|sans|sin|non|nem|niet|geen)\b|n['\u2019]t\b)(?:\s+\w+)?\s*$",
    re.IGNORECASE,
)
# Sentences that try to steer the extraction are never scored (the LLM prompt says the same, and an LLM's
# evidence may not quote one: response_model.py).
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|your)\s+(?:\w+\s+)?"
    r"(?:instructions|rules|prompts?)"
    r"|system\s+prompt|disregard\s+(?:all|any|the|your)|you\s+are\s+now\b"
    r"|\b(?:set|change|make|mark|put|update|classify|categori[sz]e|flag|tag|file)\s+(?:the\s+|my\s+|this\s+|"
    r"every\s+|it\s+|ticket\s+|case\s+)?[\w' ]{0,30}?\b(?:priority|category|fields?|product|order\s+number)"
    r"(?:\s+[\w']+){0,4}?\s+(?:to|=|as|at)\b"
    r"|\b(?:mark|flag|classify|tag|file|treat)\s+(?:this|it|the\s+(?:case|ticket))\s+(?:as|under)\b"
    r"|\b(?:priority|category|product|order[\s_]number)\s*[:=]\s*\S"
    r"|\b(?:setze|stelle)\s+(?:die\s+)?(?:priorit\w+|kategorie)\s+auf"
    r"|\b(?:mets|mettez|passe[rz]?)\s+(?:la\s+)?(?:priorit\w+|cat\w+gorie)\s+(?:à|a|en)\b"
    r"|\b(?:pon|ponga|cambia|establece)\s+(?:la\s+)?(?:prioridad|categor\w+)\s+(?:a|en|como)\b",
    re.IGNORECASE,
)
# Text the customer quotes rather than says: code and log blocks, e-mail quotes (">"), stack-trace and log
# lines, and words in quotation marks. A keyword there is someone else's word, not the customer's.
_QUOTED_BLOCK = re.compile(
    r"```.*?(?:```|\Z)|\{(code|noformat|quote)[^}]*\}.*?(?:\{\1\}|\Z)|<pre>.*?(?:</pre>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_QUOTED_LINE = re.compile(
    r"^[ \t]*(?:>|at\s+[\w$.<>]+\(|\d{4}-\d\d-\d\d[ T]\d\d:\d\d|(?:caused\s+by:\s*)?[\w$]+(?:\.[\w$]+)+"
    r"(?:exception|error)\b|\w+(?:exception|error):).*$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTES = re.compile(
    r'"[^"\n]{1,300}"|\u201c[^\u201d\n]{1,300}\u201d|\u00ab[^\u00bb\n]{1,300}\u00bb'
    r"|\u201e[^\u201c\u201d\n]{1,300}[\u201c\u201d]|`[^`\n]{1,300}`"
)


def steers(text: str) -> bool:
    """Whether the text tries to dictate the extraction ("set the priority to Critical")."""
    return _INJECTION.search(text) is not None


def only_in_steering(quote: str, text: str) -> bool:
    """Whether the quote occurs in the text, and only ever inside sentences that try to steer the extraction
    (so it is an instruction typed into the chat, not evidence)."""
    starts = [m.start() for m in re.finditer(re.escape(quote), text)] if quote else []
    return bool(starts) and all(steers(_sentence_around(text, i, i + len(quote))) for i in starts)


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    rights = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    return text[left : min(rights, default=len(text))]


@dataclass(frozen=True)
class Sentence:
    text: str
    weight: float
    author: str
    folded: str = ""  # see fold(): what the keyword screens look in


# Under re.IGNORECASE these match an ASCII letter although their lower() does not equal it (found by
# trying every code point): dotless i, long s, and the dot that lower() leaves after a dotted capital I.
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s", "\u0307": None, "\u2019": "'"})


def fold(text: str) -> str:
    """Lower case, runs of whitespace as one space, curly apostrophes straight: an ASCII keyword that
    matches the text case-insensitively (as keyword_regex does) is then a plain substring of this."""
    return " ".join(text.lower().translate(_FOLD).split())


@dataclass(frozen=True)
class Hit:
    sentence: Sentence
    start: int
    end: int

    @property
    def evidence(self) -> str:
        return window(self.sentence.text, self.start, self.end)


def sentences(messages: Sequence[TranscriptMessage]) -> list[Sentence]:
    """Every sentence of every message, with its author's weight; steering attempts and quoted blocks and
    lines (code, logs, e-mail quotes) are left out."""
    found: list[Sentence] = []
    for message in messages:
        weight = AUTHOR_WEIGHTS.get(message.author, 0.0)
        if weight == 0:
            continue
        quoted = _quoted_spans(message.text)
        for match in _SENTENCE.finditer(message.text):
            text = match.group(0).strip()
            if text and not _inside(quoted, match.start(), match.end()) and not steers(text):
                found.append(Sentence(text, weight, message.author, fold(text)))
    return found


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _QUOTED_BLOCK.finditer(text)]
    return spans + [m.span() for m in _QUOTED_LINE.finditer(text)]


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(low <= start and end <= high for low, high in spans)


def keyword_regex(keyword: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match; a trailing `*` allows any word ending (`crash*`)."""
    suffix = r"\w*" if keyword.endswith("*") else r"(?!\w)"
    return re.compile(rf"(?<!\w){_keyword_core(keyword)}{suffix}", re.IGNORECASE)


def _keyword_core(keyword: str) -> str:
    core = keyword.rstrip("*").strip()
    return re.escape(core).replace("'", "['\u2019]").replace(r"\ ", r"\s+")


@dataclass(frozen=True)
class Screen:
    """A cheap test that every sentence one of an option's keywords or patterns matches passes (most
    sentences mention none): plain substrings for ASCII keywords, one regex search for the rest."""

    literals: tuple[str, ...]
    regex: re.Pattern[str] | None

    def may_match(self, sentence: Sentence) -> bool:
        if any(literal in sentence.folded for literal in self.literals):
            return True
        return self.regex is not None and self.regex.search(sentence.text) is not None


def keyword_screen(keywords: Sequence[str], patterns: Sequence[str]) -> Screen | None:
    """None when the patterns cannot be screened (e.g. one with inline global flags)."""
    cores = [k.rstrip("*").strip() for k in keywords]
    literals = tuple(fold(core) for core in cores if core.isascii())
    rest = [_keyword_core(k) for k, core in zip(keywords, cores, strict=True) if not core.isascii()]
    rest += [f"(?:{p})" for p in patterns]
    try:
        regex = re.compile("|".join(rest), re.IGNORECASE) if rest else None
    except re.error:
        return None
    return Screen(literals, regex)


def hits(regexes: Sequence[re.Pattern[str]], text_of: Sequence[Sentence]) -> Iterator[Hit]:
    """Every match of any of the regexes that is neither negated nor in quotation marks, at most one per
    sentence and regex."""
    for sentence in text_of:
        quoted = [m.span() for m in _QUOTES.finditer(sentence.text)]
        for regex in regexes:
            for match in regex.finditer(sentence.text):
                if _inside(quoted, match.start(), match.end()):
                    continue
                if not _NEGATION.search(sentence.text[: match.start()]):
                    yield Hit(sentence, match.start(), match.end())
                break


def window(text: str, start: int, end: int) -> str:
    """The sentence, or a window of it around the match when it is long."""
    if len(text) <= EVIDENCE_WINDOW:
        return text
    left = max(0, min(start - EVIDENCE_WINDOW // 3, len(text) - EVIDENCE_WINDOW))
    return text[left : left + EVIDENCE_WINDOW].strip()


def search_pattern(pattern: str) -> re.Pattern[str]:
    """A field's validation pattern (`^...$`) turned into a search for a standalone occurrence."""
    core = pattern
    if core.startswith("^"):
        core = core[1:]
    if core.endswith("$") and not core.endswith(r"\$"):
        core = core[:-1]
    return re.compile(rf"(?<![\w-])(?:{core})(?![\w-])")
