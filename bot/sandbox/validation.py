"""Message text rules: parse modes into text plus entities, and the length limits, as Telegram."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.protocol import bad_request

MAX_TEXT_LENGTH = 4096
MAX_RAW_TEXT_BYTES = 32768

Entity = dict[str, Any]

_SPACES = " \t\r\n\v\f\0"
_NUMERIC_ENTITY = re.compile(r"&#(?:[xX]([0-9A-Fa-f]{1,8})|([0-9]{1,9}));?")
_NAMED_ENTITY = re.compile(r"&([A-Za-z]+);?")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


class EntityParseError(ValueError):
    """The text does not parse in its parse mode; the message is Telegram's detail."""


@dataclass(frozen=True)
class FormattedText:
    """Visible text and its entities (offsets and lengths in UTF-16 code units)."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    """Convert a character index into a UTF-8 byte offset, as Telegram reports positions."""
    return len(source[:index].encode("utf-8", "surrogatepass"))


def decode_html_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``pos`` like TDLib; None leaves '&' as text."""
    numeric = _NUMERIC_ENTITY.match(source, pos)
    if numeric:
        hex_digits, dec_digits = numeric.groups()
        code = int(hex_digits, 16) if hex_digits else int(dec_digits)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), numeric.end()
    named = _NAMED_ENTITY.match(source, pos)
    if named and named.group(1) in _NAMED:
        return _NAMED[named.group(1)], named.end()
    return None


class _Builder:
    """Accumulates visible text and tracks its UTF-16 length."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[Entity] = []

    def emit(self, chunk: str) -> None:
        """Append visible text."""
        if chunk:
            self.parts.append(chunk)
            self.offset += utf16_len(chunk)

    def add_entity(self, kind: str, start: int, **extra: Any) -> None:
        """Record an entity from ``start`` to the current offset, skipping empty ones."""
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update({k: v for k, v in extra.items() if v is not None})

    def result(self) -> FormattedText:
        """Return the text with entities in Telegram's order."""
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), ordered)


@dataclass
class _OpenTag:
    name: str
    begin: int
    offset: int
    attrs: dict[str, str]
    language: str | None = None


class _HtmlParser:
    """A tokenizer for Telegram's HTML subset that reproduces TDLib's error details."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out = _Builder()
        self.stack: list[_OpenTag] = []

    def fail(self, detail: str) -> EntityParseError:
        """Build an error for the current input."""
        return EntityParseError(detail)

    def at(self, index: int) -> str:
        """Return the character at ``index`` or '' past the end."""
        return self.src[index] if index < len(self.src) else ""

    def parse(self) -> FormattedText:
        """Parse the whole input."""
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._entity()
            elif char == "<":
                self._end_tag() if self.at(self.pos + 1) == "/" else self._start_tag()
            else:
                self._text_run()
        if self.stack:
            name = self.stack[-1].name
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{name}"')
        return self.out.result()

    def _text_run(self) -> None:
        end = len(self.src)
        for stop in ("<", "&"):
            found = self.src.find(stop, self.pos)
            if found != -1:
                end = min(end, found)
        self.out.emit(self.src[self.pos : end])
        self.pos = end

    def _entity(self) -> None:
        decoded = decode_html_entity(self.src, self.pos)
        if decoded is None:
            self.out.emit("&")
            self.pos += 1
        else:
            self.out.emit(decoded[0])
            self.pos = decoded[1]

    def _skip_spaces(self, index: int) -> int:
        while self.at(index) and self.at(index) in _SPACES:
            index += 1
        return index

    def _start_tag(self) -> None:
        begin = self.pos
        offset = _byte_offset(self.src, begin)
        index = begin + 1
        while self.at(index) and self.at(index) not in _SPACES and self.at(index) != ">":
            index += 1
        if not self.at(index):
            raise self.fail(f"Unclosed start tag at byte offset {offset}")
        name = self.src[begin + 1 : index].lower()
        if name not in _HTML_TAGS:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs, index = self._attributes(name, index, offset)
        self.pos = index + 1
        self._open(_OpenTag(name, begin, self.out.offset, attrs))

    def _attributes(self, tag: str, index: int, offset: int) -> tuple[dict[str, str], int]:
        attrs: dict[str, str] = {}
        while True:
            index = self._skip_spaces(index)
            if not self.at(index):
                raise self.fail(f"Unclosed start tag at byte offset {offset}")
            if self.at(index) == ">":
                return attrs, index
            start = index
            while self.at(index) and self.at(index) not in _SPACES + "=>":
                index += 1
            name = self.src[start:index].lower()
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            index = self._skip_spaces(index)
            if self.at(index) != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = ""
                    continue
                raise self.fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            attrs[name], index = self._attribute_value(tag, self._skip_spaces(index + 1), offset)

    def _attribute_value(self, tag: str, index: int, offset: int) -> tuple[str, int]:
        quote = self.at(index)
        if quote in ("'", '"'):
            end = self.src.find(quote, index + 1)
            if end == -1:
                raise self.fail(f"Unclosed start tag at byte offset {offset}")
            return _decode_attribute(self.src[index + 1 : end]), end + 1
        start = index
        while self.at(index) and (self.at(index).isalnum() or self.at(index) in ".-_"):
            index += 1
        if index == start:
            raise self.fail(
                "Expected quotation mark in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {offset}'
            )
        return self.src[start:index], index

    def _open(self, tag: _OpenTag) -> None:
        offset = _byte_offset(self.src, tag.begin)
        if tag.name == "span" and tag.attrs.get("class") != "tg-spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if tag.name == "tg-emoji" and not tag.attrs.get("emoji-id", "").isdigit():
            raise self.fail("Invalid custom emoji identifier specified")
        self.stack.append(tag)

    def _end_tag(self) -> None:
        begin = self.pos
        offset = _byte_offset(self.src, begin)
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {offset}")
        index = begin + 2
        while self.at(index) and self.at(index) not in _SPACES and self.at(index) != ">":
            index += 1
        end_name = self.src[begin + 2 : index].lower()
        index = self._skip_spaces(index)
        if self.at(index) != ">":
            raise self.fail(f"Unclosed end tag at byte offset {offset}")
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            raise self.fail(
                f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        self.pos = index + 1
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        kind = _HTML_TAGS[tag.name]
        parent = self.stack[-1] if self.stack else None
        css = tag.attrs.get("class", "")
        if tag.name == "code" and parent and parent.name == "pre" and css.startswith("language-"):
            parent.language = css.removeprefix("language-")
            return
        if kind == "text_link":
            self._close_link(tag)
        elif kind == "pre":
            self.out.add_entity("pre", tag.offset, language=tag.language)
        elif kind == "blockquote" and "expandable" in tag.attrs:
            self.out.add_entity("expandable_blockquote", tag.offset)
        elif kind == "custom_emoji":
            self.out.add_entity(kind, tag.offset, custom_emoji_id=tag.attrs["emoji-id"])
        else:
            self.out.add_entity(kind, tag.offset)

    def _close_link(self, tag: _OpenTag) -> None:
        href = tag.attrs.get("href", "").strip()
        if href.startswith("tg://user?id="):
            user_id = href.removeprefix("tg://user?id=")
            if user_id.isdigit():
                self.out.add_entity("text_mention", tag.offset, user={"id": int(user_id)})
        elif href:
            self.out.add_entity("text_link", tag.offset, url=href)


def _decode_attribute(value: str) -> str:
    """Decode character references inside an attribute value."""
    parts: list[str] = []
    index = 0
    while index < len(value):
        decoded = decode_html_entity(value, index) if value[index] == "&" else None
        if decoded:
            parts.append(decoded[0])
            index = decoded[1]
        else:
            parts.append(value[index])
            index += 1
    return "".join(parts)


def parse_html(source: str) -> FormattedText:
    """Parse Telegram HTML into text and entities; raise EntityParseError like Telegram."""
    return _HtmlParser(source).parse()


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _MdEntity:
    kind: str
    begin: int
    offset: int
    language: str | None = None


class _MarkdownV2Parser:
    """MarkdownV2 as TDLib parses it: escapes, nesting and reserved characters."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out = _Builder()
        self.stack: list[_MdEntity] = []
        self.quote_start: int | None = None

    def at(self, index: int) -> str:
        """Return the character at ``index`` or '' past the end."""
        return self.src[index] if index < len(self.src) else ""

    def parse(self) -> FormattedText:
        """Parse the whole input."""
        while self.pos < len(self.src):
            self._step()
        if self.stack:
            top = self.stack[-1]
            raise EntityParseError(
                f"Can't find end of {_MDV2_NAMES[top.kind]} entity at byte offset "
                f"{_byte_offset(self.src, top.begin)}"
            )
        self._end_quote()
        return self.out.result()

    def _step(self) -> None:
        char, nxt = self.src[self.pos], self.at(self.pos + 1)
        if char == "\\" and nxt and 0 < ord(nxt) <= 126:
            self.out.emit(nxt)
            self.pos += 2
            return
        in_code = bool(self.stack) and self.stack[-1].kind in ("code", "pre")
        if char == "\n" and not in_code:
            self._newline()
            return
        if char == ">" and not in_code and (self.pos == 0 or self.src[self.pos - 1] == "\n"):
            if self.quote_start is None:
                self.quote_start = self.out.offset
            self.pos += 1
            return
        if char not in ("`" if in_code else _MDV2_RESERVED):
            self.out.emit(char)
            self.pos += 1
        elif self.stack and self._is_end(self.stack[-1].kind):
            self._close(self.stack.pop())
        else:
            self._open(char)

    def _newline(self) -> None:
        if self.quote_start is not None and self.at(self.pos + 1) != ">":
            self._end_quote()
        self.out.emit("\n")
        self.pos += 1

    def _end_quote(self) -> None:
        if self.quote_start is not None:
            self.out.add_entity("blockquote", self.quote_start)
            self.quote_start = None

    def _is_end(self, kind: str) -> bool:
        char, nxt = self.src[self.pos], self.at(self.pos + 1)
        return {
            "bold": char == "*",
            "italic": char == "_" and nxt != "_",
            "underline": char == "_" and nxt == "_",
            "strikethrough": char == "~",
            "spoiler": char == "|" and nxt == "|",
            "code": char == "`",
            "pre": self.src.startswith("```", self.pos),
            "text_link": char == "]",
            "custom_emoji": char == "]",
        }[kind]

    def _open(self, char: str) -> None:
        begin, nxt = self.pos, self.at(self.pos + 1)
        kind, width = {
            "_": ("underline", 2) if nxt == "_" else ("italic", 1),
            "*": ("bold", 1),
            "~": ("strikethrough", 1),
            "|": ("spoiler", 2) if nxt == "|" else ("", 0),
            "[": ("text_link", 1),
            "`": ("pre", 3) if self.src.startswith("```", begin) else ("code", 1),
            "!": ("custom_emoji", 2) if nxt == "[" else ("", 0),
        }.get(char, ("", 0))
        if not kind:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        self.pos += width
        entity = _MdEntity(kind, begin, self.out.offset)
        if kind == "pre":
            entity.language = self._pre_language()
            entity.offset = self.out.offset
        self.stack.append(entity)

    def _pre_language(self) -> str | None:
        end = self.pos
        while self.at(end) and self.at(end) not in _SPACES and self.at(end) != "`":
            end += 1
        language = None
        if end > self.pos and self.at(end) and self.at(end) != "`":
            language, self.pos = self.src[self.pos : end], end
        if self.at(self.pos) in ("\n", "\r"):
            pair = self.src[self.pos : self.pos + 2]
            self.pos += 2 if pair in ("\r\n", "\n\r") else 1
        return language

    def _close(self, entity: _MdEntity) -> None:
        kind = entity.kind
        if kind in ("text_link", "custom_emoji"):
            self.pos += 1
            self._close_link(entity)
            return
        self.pos += {"pre": 3, "underline": 2, "spoiler": 2}.get(kind, 1)
        self.out.add_entity(kind, entity.offset, language=entity.language)

    def _close_link(self, entity: _MdEntity) -> None:
        url = self._link_url() if self.at(self.pos) == "(" else None
        if entity.kind == "custom_emoji":
            emoji_id = (url or "").removeprefix("tg://emoji?id=")
            if not url or not url.startswith("tg://emoji?id=") or not emoji_id.isdigit():
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            self.out.add_entity("custom_emoji", entity.offset, custom_emoji_id=emoji_id)
        elif url:
            self.out.add_entity("text_link", entity.offset, url=url)

    def _link_url(self) -> str:
        begin = self.pos
        self.pos += 1
        url: list[str] = []
        while self.pos < len(self.src) and self.src[self.pos] != ")":
            char, nxt = self.src[self.pos], self.at(self.pos + 1)
            if char == "\\" and nxt and 0 < ord(nxt) <= 126:
                url.append(nxt)
                self.pos += 2
            else:
                url.append(char)
                self.pos += 1
        if self.pos >= len(self.src):
            offset = _byte_offset(self.src, begin)
            raise EntityParseError(f"Can't find end of a URL at byte offset {offset}")
        self.pos += 1
        return "".join(url)


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse MarkdownV2 into text and entities; raise EntityParseError like Telegram."""
    return _MarkdownV2Parser(source).parse()


_LEGACY_KINDS = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


def parse_markdown(source: str) -> FormattedText:
    """Parse legacy Markdown (no nesting): *bold*, _italic_, `code`, ```pre```, [text](url)."""
    out, pos = _Builder(), 0
    while pos < len(source):
        char = source[pos]
        if char == "\\" and source[pos + 1 : pos + 2] in ("_", "*", "`", "["):
            out.emit(source[pos + 1])
            pos += 2
        elif char in _LEGACY_KINDS:
            pos = _legacy_entity(source, pos, out)
        else:
            out.emit(char)
            pos += 1
    return out.result()


def _legacy_entity(source: str, begin: int, out: _Builder) -> int:
    """Parse one legacy Markdown entity starting at ``begin``; return the next position."""
    char = source[begin]
    is_pre = source.startswith("```", begin)
    opener = "```" if is_pre else char
    closer = "```" if is_pre else ("]" if char == "[" else char)
    end = source.find(closer, begin + len(opener))
    if end == -1:
        offset = _byte_offset(source, begin)
        raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
    start = out.offset
    out.emit(source[begin + len(opener) : end])
    pos = end + len(closer)
    if is_pre:
        out.add_entity("pre", start)
    elif char != "[":
        out.add_entity(_LEGACY_KINDS[char], start)
    elif source.startswith("(", pos) and source.find(")", pos) != -1:
        url_end = source.find(")", pos)
        out.add_entity("text_link", start, url=source[pos + 1 : url_end])
        pos = url_end + 1
    return pos


_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse_text(text: str, parse_mode: str | None, entities: Any = None) -> FormattedText:
    """Turn a Bot API text parameter into visible text and entities, or raise ApiError."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RAW_TEXT_BYTES:
        raise bad_request("text is too long")
    mode = (parse_mode or "").strip().lower()
    given = _given_entities(entities)
    if given or not mode:  # explicit entities replace parse_mode, as on Telegram
        return FormattedText(text, given)
    parser = _PARSERS.get(mode)
    if parser is None:
        raise bad_request("unsupported parse_mode")
    try:
        return parser(text)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc


def _given_entities(entities: Any) -> list[Entity]:
    """Validate the shape of an explicit ``entities`` list."""
    if entities in (None, ""):
        return []
    if not isinstance(entities, list) or not all(_is_entity(e) for e in entities):
        raise bad_request("can't parse entities JSON object")
    return [dict(e) for e in entities]


def _is_entity(value: Any) -> bool:
    """Tell whether a value looks like a MessageEntity."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("type"), str)
        and isinstance(value.get("offset"), int)
        and isinstance(value.get("length"), int)
    )


def strip_text(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace like Telegram, shifting and clipping entities."""
    stripped = formatted.text.strip(_SPACES)
    if stripped == formatted.text:
        return formatted
    head = utf16_len(formatted.text[: len(formatted.text) - len(formatted.text.lstrip(_SPACES))])
    size = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - head, 0)
        end = min(entity["offset"] + entity["length"] - head, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def message_text(text: str | None, parse_mode: str | None, entities: Any = None) -> FormattedText:
    """Parse and check a message text: 1-4096 characters after entity parsing."""
    formatted = strip_text(parse_text(text or "", parse_mode, entities))
    if not formatted.text:
        raise bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return formatted


def draft_text(text: str | None, parse_mode: str | None, entities: Any = None) -> FormattedText:
    """Parse and check a draft text: 0-4096 characters (empty shows "Thinking...")."""
    formatted = strip_text(parse_text(text or "", parse_mode, entities))
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return formatted
