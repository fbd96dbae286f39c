"""An independent checker of Telegram HTML, built on html.parser, for the tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import regex

INLINE_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler"})
ALLOWED_TAGS = INLINE_TAGS | {"a", "code", "pre", "blockquote", "span", "tg-emoji"}
ALLOWED_SCHEMES = ("http:", "https:", "tg:", "mailto:")
# Every & in Telegram HTML must start one of these (the only named ones it knows, or numeric).
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.\-]+")


def telegram_html_errors(html: str) -> list[str]:
    """Return every reason Telegram would reject this HTML (empty list when valid)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    errors = checker.errors
    errors += [f"unclosed <{tag}>" for tag, _ in checker.stack]
    ampersands = {m.start() for m in re.finditer("&", html)}
    entities = {m.start() for m in _ENTITY.finditer(html)}
    errors += [f"bare & at {pos}" for pos in sorted(ampersands - entities)]
    return errors


def assert_valid(html: str) -> None:
    """Fail with the reasons when html is not valid Telegram HTML."""
    errors = telegram_html_errors(html)
    assert not errors, f"{errors} in {html!r}"


def visible_text(html: str) -> str:
    """What Telegram shows (and counts): tags removed, entities decoded."""
    return "".join(text for text, _ in char_contexts(html))


def char_contexts(html: str) -> list[tuple[str, tuple[str, ...]]]:
    """Return each visible code point with the raw start tags enclosing it."""
    collector = _ContextCollector()
    collector.feed(html)
    collector.close()
    return collector.chars


def graphemes(text: str) -> list[str]:
    """Extended grapheme clusters, via the regex module."""
    clusters: list[str] = regex.findall(r"\X", text)
    return clusters


class _Checker(HTMLParser):
    """Collects validity errors while parsing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.errors: list[str] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}> not allowed")
        self.errors += _attribute_errors(tag, attributes)
        self.errors += _nesting_errors(tag, attributes, [name for name, _ in self.stack])
        self.stack.append((tag, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> does not close the innermost open tag")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>":
            if char in data:
                self.errors.append(f"raw {char!r} in text {data!r}")

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.errors.append(f"unknown entity &{name};")

    def handle_comment(self, data: str) -> None:
        self.errors.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.errors.append("declaration")

    def unknown_decl(self, data: str) -> None:
        """Report CDATA and other declarations."""
        self.errors.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.errors.append("processing instruction")


def _attribute_errors(tag: str, attributes: dict[str, str | None]) -> list[str]:
    """Return errors for unexpected attributes, hrefs and code classes."""
    expected = {"a": {"href"}, "code": {"class"}, "span": {"class"}, "tg-emoji": {"emoji-id"}}
    known = expected.get(tag, set())
    errors = [f"<{tag}> has attribute {name}" for name in attributes if name not in known]
    href = attributes.get("href")
    if tag == "a" and not (href and href.lower().startswith(ALLOWED_SCHEMES)):
        errors.append(f"href {href!r} not allowed")
    css = attributes.get("class")
    if tag == "code" and css is not None and not _LANGUAGE_CLASS.fullmatch(css):
        errors.append(f"code class {css!r}")
    return errors


def _nesting_errors(tag: str, attributes: dict[str, str | None], open_tags: list[str]) -> list[str]:
    """Return errors for nestings Telegram rejects."""
    errors = []
    if "pre" in open_tags and not (tag == "code" and open_tags[-1] == "pre"):
        errors.append(f"<{tag}> inside <pre>")
    if "code" in open_tags:
        errors.append(f"<{tag}> inside <code>")
    if tag == "code" and attributes.get("class") and open_tags[-1:] != ["pre"]:
        errors.append("code with a language outside <pre>")
    if tag == "a" and "a" in open_tags:
        errors.append("nested links")
    if tag == "blockquote" and "blockquote" in open_tags:
        errors.append("nested blockquote")
    if tag in ("pre", "blockquote") and any(name in INLINE_TAGS | {"a"} for name in open_tags):
        errors.append(f"block <{tag}> inside inline formatting")
    return errors


class _ContextCollector(HTMLParser):
    """Records each visible code point with its enclosing start tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.chars: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(self.get_starttag_text() or tag)

    def handle_endtag(self, tag: str) -> None:
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        context = tuple(self.stack)
        self.chars.extend((char, context) for char in data)
