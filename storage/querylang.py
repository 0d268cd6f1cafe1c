"""The search query language shared by both backends, parsed into a small tree.

Grammar (whitespace separates terms):

- ``banjir palembang``     every word must match (stemmed: "pelayanan" finds "layanan")
- ``"smart city"``         a phrase: the words next to each other, in order
- ``banjir OR longsor``    either (``|`` works too); OR binds tighter than the implicit AND,
                           so ``banjir palembang OR muba`` is banjir AND (palembang OR muba)
- ``-jakarta``             exclude (``NOT jakarta`` works too); ``-"kota lama"`` too
- ``(banjir OR longsor) -jakarta``  parentheses group
- ``AND`` is accepted and means nothing more than the space; punctuation inside words is
  ignored (``smart-city`` is the phrase "smart city").

A query has at most ``MAX_QUERY_CHARS`` characters, ``MAX_TERMS`` words and phrases (excluded
ones too) and ``MAX_DEPTH`` nested parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.errors import QueryError
from storage.textnorm import stem_word, words

MAX_QUERY_CHARS = 1000
#: Words and phrases in one query: each is a full-text lookup, and no real search needs more.
MAX_TERMS = 64
MAX_DEPTH = 10


@dataclass(frozen=True)
class Term:
    """One word, or a phrase when it has several words (casefolded, unstemmed)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class And:
    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


Node = Term | Or | And

_TOKEN = re.compile(r'\s*(?:(")|(\()|(\))|(-)(?=[^\s)])|([^\s"()]+))')


def _tokens(query: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    pos, dropped = 0, False
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKEN.match(query, pos)
        assert m is not None
        pos = m.end()
        quote, lparen, rparen, minus, bare = m.groups()
        if quote:
            end = query.find('"', pos)
            if end < 0:
                raise QueryError('unbalanced quotes: a "phrase" needs a closing quote')
            phrase = tuple(words(query[pos:end]))
            pos = end + 1
            if phrase:
                tokens.append(("TERM", phrase))
            else:
                dropped = True
        elif lparen:
            tokens.append(("(", None))
        elif rparen:
            tokens.append((")", None))
        elif minus:
            tokens.append(("NOT", None))
        elif bare in ("OR", "|"):
            tokens.append(("OR", None))
        elif bare in ("AND", "&", "&&"):
            tokens.append(("AND", None))
        elif bare == "NOT":
            tokens.append(("NOT", None))
        else:
            pieces = tuple(words(bare))
            if pieces:
                tokens.append(("TERM", pieces))
            else:
                dropped = True  # punctuation only, e.g. "*", "!" or a lone "-"
    if dropped and not any(kind == "TERM" for kind, _ in tokens):
        raise QueryError(f"no words to search for in {query.strip()!r}")
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, object]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else "END"

    def take(self) -> tuple[str, object]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.conjunction(0)
        if self.peek() == ")":
            raise QueryError("unbalanced parentheses: a ')' has no '('")
        return node

    def conjunction(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise QueryError("too many nested parentheses")
        include: list[Node] = []
        exclude: list[Node] = []
        while self.peek() not in ("END", ")"):
            if self.peek() == "AND":
                self.take()
                continue
            negated, node = self.disjunction(depth)
            (exclude if negated else include).append(node)
        if not include:
            if exclude:
                raise QueryError("a query cannot only exclude: add a word to search for")
            raise QueryError('nothing to search for: add a word or a "phrase"')
        if len(include) == 1 and not exclude:
            return include[0]
        return And(tuple(include), tuple(exclude))

    def disjunction(self, depth: int) -> tuple[bool, Node]:
        negated, first = self.signed(depth)
        items = [first]
        while self.peek() == "OR":
            self.take()
            if self.peek() in ("END", ")", "OR", "AND"):
                raise QueryError("OR needs a word or phrase on both sides")
            item_negated, item = self.signed(depth)
            if negated or item_negated:
                raise QueryError("an excluded term cannot be part of OR: write -(a OR b) to exclude both")
            items.append(item)
        return negated, (first if len(items) == 1 else Or(tuple(items)))

    def signed(self, depth: int) -> tuple[bool, Node]:
        negated = False
        if self.peek() == "NOT":
            self.take()
            negated = True
            if self.peek() not in ("TERM", "("):
                raise QueryError("'-' (or NOT) must be followed by a word, \"phrase\" or (group)")
        return negated, self.primary(depth)

    def primary(self, depth: int) -> Node:
        kind, value = self.take() if self.peek() != "END" else ("END", None)
        if kind == "TERM":
            return Term(value)  # type: ignore[arg-type]
        if kind == "(":
            node = self.conjunction(depth + 1)
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses: a '(' has no ')'")
            self.take()
            return node
        if kind == "OR":
            raise QueryError("OR needs a word or phrase on both sides")
        if kind == ")":
            raise QueryError("unbalanced parentheses: a ')' has no '('")
        raise QueryError("incomplete query")  # pragma: no cover


def parse_query(query: str) -> Node | None:
    """Parse ``query``; None for an empty query. Raises QueryError saying what is wrong."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long (at most {MAX_QUERY_CHARS} characters)")
    tokens = _tokens(query)
    if not tokens:
        return None
    terms = sum(kind == "TERM" for kind, _ in tokens)
    if terms > MAX_TERMS:
        raise QueryError(f'too many words in the query: {terms} (at most {MAX_TERMS} words or "phrases")')
    return _Parser(tokens).parse()


def positive_terms(node: Node) -> list[Term]:
    """The terms a match may contain (everything not under an exclusion), for highlighting."""
    if isinstance(node, Term):
        return [node]
    items = node.items if isinstance(node, Or) else node.include
    return [term for item in items for term in positive_terms(item)]


def _stem(word: str) -> str:
    return stem_word(word) or word


def to_fts5(node: Node) -> str:
    """The FTS5 MATCH expression for ``node`` over the stemmed column (always valid syntax)."""
    if isinstance(node, Term):
        # Stems are letters and digits only, so quoting cannot be broken out of.
        return '"' + " ".join(_stem(w) for w in node.words) + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(item) for item in node.items) + ")"
    expr = "(" + " AND ".join(to_fts5(item) for item in node.include) + ")"
    for item in node.exclude:
        expr += " NOT " + to_fts5(item)
    return "(" + expr + ")"
