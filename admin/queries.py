"""Read-only queries behind every dashboard page: pure functions of a Session returning dataclasses.

Every time-range query filters `messages.created_at` (index ix_messages_created_at, migration 0002)
or goes through one of the composite indexes of migration 0001 (user, chat, language, status
followed by created_at). Replies are attributed to a user or a language through the inbound
message they answer (`reply.reply_to_id = message.id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from admin.sqlstats import QUANTILES, Percentiles, as_date, day_bucket
from admin.timerange import TimeRange, midnight
from core.storage import rollups
from core.storage.admin_models import Persona, UserPolicy
from core.storage.models import Chat, Conversation, Kind, Message, Role, Status, User, utcnow

PAGE_SIZE = 50
T = TypeVar("T")
THREAD_LIMIT = 2000
SNIPPET = 160


@dataclass(frozen=True, slots=True)
class Prices:
    """Prices in currency units per million tokens, for the cost estimate."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    cached_per_mtok: float = 0.0


@dataclass(frozen=True, slots=True)
class DayCount:
    """Per UTC day: inbound chat messages, replies, and inbound messages that failed."""

    day: date
    messages: int = 0
    replies: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class TokenTotals:
    """Token sums of the replies in a range and their estimated cost."""

    prompt: int
    completion: int
    cached: int
    cost: float


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the Overview page shows that comes from the database."""

    start: datetime
    end: datetime
    active_users_day: int
    active_users_week: int
    messages: int
    replies: int
    answered: int
    failed: int
    error_rate: float | None
    ttft: Percentiles
    latency: Percentiles
    tokens: TokenTotals
    daily: list[DayCount]


@dataclass(frozen=True, slots=True)
class LanguageStats:
    """Traffic, latency and tokens of one language (None: not detected)."""

    language: str | None
    messages: int
    users: int
    replies: int
    prompt_tokens: int
    completion_tokens: int
    latency: Percentiles
    ttft: Percentiles


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Conversation search: every field is optional and they combine with AND."""

    user: str | None = None
    chat_id: int | None = None
    text: str | None = None
    language: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class MessageHit:
    """One message found by a search, with the conversation it belongs to."""

    id: int
    conversation_id: int
    chat_id: int
    user_id: int | None
    username: str | None
    role: str
    language: str | None
    status: str
    created_at: datetime
    snippet: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and whether another follows."""

    rows: list[T]
    offset: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One turn of a conversation with its delivery state and metrics."""

    id: int
    role: str
    kind: str
    text: str
    status: str
    language: str | None
    user_id: int | None
    username: str | None
    reply_to_id: int | None
    attempts: int
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int | None
    ttft_ms: int | None
    latency_ms: int | None
    finish_reason: str | None
    error: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConversationThread:
    """A conversation read as a thread."""

    id: int
    chat_id: int
    chat_type: str | None
    chat_title: str | None
    thread_id: int
    created_at: datetime
    closed_at: datetime | None
    messages: list[ThreadMessage]
    truncated: bool


@dataclass(frozen=True, slots=True)
class UserFilters:
    """User list: a search (id, @username or name) and a policy filter."""

    q: str | None = None
    status: str = "all"  # all | banned | allowed | admin | limited


@dataclass(frozen=True, slots=True)
class UserRow:
    """A Telegram user with their policy and their usage in the chosen range."""

    id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    last_seen_at: datetime | None
    known: bool
    banned: bool
    allowed: bool
    role: str
    daily_message_quota: int | None
    daily_token_quota: int | None
    messages: int = 0
    tokens: int = 0


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One user's messages and tokens on one UTC day."""

    day: date
    messages: int
    tokens: int


@dataclass(frozen=True, slots=True)
class UserDetail:
    """One user's page: identity, policy, preferences, usage and latest messages."""

    user: UserRow
    ui_language: str | None
    persona_id: int | None
    note: str | None
    daily: list[UsageDay]
    recent: list[MessageHit]


@dataclass(frozen=True, slots=True)
class FailureRow:
    """A failed message and what became of the inbound message it belongs to."""

    id: int
    conversation_id: int
    chat_id: int
    user_id: int | None
    role: str
    created_at: datetime
    error: str | None
    attempts: int
    finish_reason: str | None
    inbound_id: int | None
    inbound_text: str
    inbound_status: str | None
    outcome: str


@dataclass(frozen=True, slots=True)
class ErrorCount:
    """How often one error text occurred."""

    error: str
    count: int


@dataclass(frozen=True, slots=True)
class Failures:
    """The Failures page: the latest failures and the most frequent errors."""

    page: Page[FailureRow]
    top_errors: list[ErrorCount]
    total: int


@dataclass(frozen=True, slots=True)
class PersonaRow:
    """A persona and how many users chose it."""

    id: int
    name: str
    system_prompt: str
    enabled: bool
    sort_order: int
    users: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """Bot settings the dashboard edits."""

    allowlist: bool
    default_daily_messages: int | None
    default_daily_tokens: int | None
    prices: Prices = field(default_factory=Prices)


# ---------------------------------------------------------------- shared predicates


def _in_range(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _inbound(message: Any = Message) -> ColumnElement[bool]:
    return and_(message.role == Role.USER.value, message.kind == Kind.CHAT.value)


def _replies(message: Any = Message) -> ColumnElement[bool]:
    return and_(message.role == Role.ASSISTANT.value, message.kind == Kind.CHAT.value)


def _snippet(text: str | None, size: int = SNIPPET) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _int(value: Any) -> int:
    return int(value or 0)


# ---------------------------------------------------------------- overview


def active_users(
    session: Session, start: datetime, end: datetime, *, now: datetime | None = None,
    use_rollups: bool = True,
) -> int:
    """Distinct users who sent any message in [start, end)."""
    return rollups.distinct_users(session, start, end, _now(now), use_rollups=use_rollups)


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def daily_counts(
    session: Session, rng: TimeRange, *, now: datetime | None = None, use_rollups: bool = True
) -> list[DayCount]:
    """Inbound messages, replies and failures per UTC day, every day of the range present."""
    when = _now(now)
    inbound = rollups.inbound_facts(session, rng.start, rng.end, when, joined=False,
                                    use_rollups=use_rollups)
    replies = rollups.reply_facts(session, rng.start, rng.end, when, use_rollups=use_rollups)
    return _daily(rng, inbound, replies)


def _daily(
    rng: TimeRange, inbound: dict[rollups.InboundKey, rollups.InboundFacts],
    replies: dict[date, rollups.ReplyFacts],
) -> list[DayCount]:
    totals: dict[date, list[int]] = {d: [0, 0, 0] for d in rng.days()}
    for (day, _lang), facts in inbound.items():
        bucket = totals.setdefault(day, [0, 0, 0])
        bucket[0] += facts.messages
        bucket[2] += facts.failed
    for day, reply in replies.items():
        totals.setdefault(day, [0, 0, 0])[1] += reply.replies
    return [DayCount(d, *v) for d, v in sorted(totals.items())]


def _percentiles(histogram: rollups.Histogram) -> Percentiles:
    return Percentiles(*(rollups.percentile(histogram, q) for q in QUANTILES))


def _reply_totals(replies: dict[date, rollups.ReplyFacts]) -> rollups.ReplyFacts:
    total = rollups.ReplyFacts()
    for facts in replies.values():
        total.add(facts)
    return total


def estimate_cost(prompt: int, completion: int, cached: int, prices: Prices) -> float:
    """Cost of tokens: cached prompt tokens at the cached price, the rest at the input price."""
    uncached = max(prompt - cached, 0)
    total = (
        uncached * prices.input_per_mtok
        + cached * prices.cached_per_mtok
        + completion * prices.output_per_mtok
    )
    return round(total / 1_000_000, 6)


def overview(
    session: Session, rng: TimeRange, prices: Prices, *, now: datetime | None = None,
    use_rollups: bool = True,
) -> Overview:
    """The Overview page's numbers for a time range (closed days read from the daily rollups)."""
    when = _now(now)
    inbound = rollups.inbound_facts(session, rng.start, rng.end, when, joined=False,
                                    use_rollups=use_rollups)
    replies = rollups.reply_facts(session, rng.start, rng.end, when, use_rollups=use_rollups)
    daily = _daily(rng, inbound, replies)
    answered = sum(f.answered for f in inbound.values())
    failed = sum(f.failed for f in inbound.values())
    total = _reply_totals(replies)
    finished = answered + failed
    return Overview(
        start=rng.start,
        end=rng.end,
        active_users_day=active_users(session, rng.end - timedelta(days=1), rng.end,
                                      now=when, use_rollups=use_rollups),
        active_users_week=active_users(session, rng.end - timedelta(days=7), rng.end,
                                       now=when, use_rollups=use_rollups),
        messages=sum(d.messages for d in daily),
        replies=sum(d.replies for d in daily),
        answered=answered,
        failed=failed,
        error_rate=(failed / finished) if finished else None,
        ttft=_percentiles(total.ttft),
        latency=_percentiles(total.latency),
        tokens=TokenTotals(
            total.prompt_tokens, total.completion_tokens, total.cached_tokens,
            estimate_cost(total.prompt_tokens, total.completion_tokens, total.cached_tokens,
                          prices),
        ),
        daily=daily,
    )


# ---------------------------------------------------------------- languages


def languages(
    session: Session, rng: TimeRange, *, now: datetime | None = None, use_rollups: bool = True
) -> list[LanguageStats]:
    """Per language of the inbound message: messages, users, replies, tokens and latency."""
    when = _now(now)
    per_language: dict[str | None, rollups.InboundFacts] = {}
    for (_day, lang), facts in rollups.inbound_facts(
        session, rng.start, rng.end, when, use_rollups=use_rollups
    ).items():
        per_language.setdefault(lang, rollups.InboundFacts()).add(facts)
    users = rollups.language_users(session, rng.start, rng.end, when, use_rollups=use_rollups)
    stats = [
        LanguageStats(
            language=lang, messages=f.messages, users=users.get(lang, 0), replies=f.replies,
            prompt_tokens=f.prompt_tokens, completion_tokens=f.completion_tokens,
            latency=_percentiles(f.latency), ttft=_percentiles(f.ttft),
        )
        for lang, f in per_language.items()
        if f.messages
    ]
    return sorted(stats, key=lambda s: (-s.messages, s.language or "~"))


# ---------------------------------------------------------------- conversations


def _user_ids_matching(session: Session, needle: str) -> list[int]:
    needle = needle.strip().lstrip("@")
    if needle.lstrip("-").isdigit():
        return [int(needle)]
    query = (
        select(User.id)
        .where(User.username.icontains(needle, autoescape=True)
               | User.first_name.icontains(needle, autoescape=True))
        .limit(200)
    )
    return list(session.scalars(query))


def _search_query(session: Session, filters: SearchFilters) -> Select[Message, str | None]:
    query: Select[Message, str | None] = select(Message, User.username).outerjoin(
        User, User.id == Message.user_id
    )
    if filters.user:
        query = query.where(Message.user_id.in_(_user_ids_matching(session, filters.user)))
    if filters.chat_id is not None:
        query = query.where(Message.chat_id == filters.chat_id)
    if filters.language:
        query = query.where(Message.language == filters.language)
    if filters.text:
        query = query.where(Message.text.icontains(filters.text, autoescape=True))
    if filters.start:
        query = query.where(Message.created_at >= midnight(filters.start))
    if filters.end:
        query = query.where(Message.created_at < midnight(filters.end + timedelta(days=1)))
    return query


def _hit(message: Message, username: str | None) -> MessageHit:
    return MessageHit(
        id=message.id, conversation_id=message.conversation_id, chat_id=message.chat_id,
        user_id=message.user_id, username=username, role=message.role,
        language=message.language, status=message.status, created_at=message.created_at,
        snippet=_snippet(message.text),
    )


def search_messages(
    session: Session, filters: SearchFilters, offset: int = 0, limit: int = PAGE_SIZE
) -> Page[MessageHit]:
    """Messages matching the filters, newest first, one page at a time."""
    query = (
        _search_query(session, filters)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .offset(offset)
        .limit(limit + 1)
    )
    hits = [_hit(message, username) for message, username in session.execute(query)]
    return Page(rows=hits[:limit], offset=offset, has_more=len(hits) > limit)


def _thread_message(message: Message, username: str | None) -> ThreadMessage:
    return ThreadMessage(
        id=message.id, role=message.role, kind=message.kind, text=message.text,
        status=message.status, language=message.language, user_id=message.user_id,
        username=username, reply_to_id=message.reply_to_id, attempts=message.attempts,
        prompt_tokens=message.prompt_tokens, completion_tokens=message.completion_tokens,
        cached_tokens=message.cached_tokens, ttft_ms=message.ttft_ms,
        latency_ms=message.latency_ms, finish_reason=message.finish_reason,
        error=message.error, created_at=message.created_at, completed_at=message.completed_at,
    )


def conversation_thread(session: Session, conversation_id: int) -> ConversationThread | None:
    """A conversation and its messages in order (at most THREAD_LIMIT of them)."""
    row = session.execute(
        select(Conversation, Chat)
        .outerjoin(Chat, Chat.id == Conversation.chat_id)
        .where(Conversation.id == conversation_id)
    ).first()
    if row is None:
        return None
    conversation, chat = row
    query = (
        select(Message, User.username)
        .outerjoin(User, User.id == Message.user_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id)
        .limit(THREAD_LIMIT + 1)
    )
    messages = [_thread_message(m, u) for m, u in session.execute(query)]
    return ConversationThread(
        id=conversation.id, chat_id=conversation.chat_id,
        chat_type=chat.type if chat else None, chat_title=chat.title if chat else None,
        thread_id=conversation.thread_id, created_at=conversation.created_at,
        closed_at=conversation.closed_at, messages=messages[:THREAD_LIMIT],
        truncated=len(messages) > THREAD_LIMIT,
    )


def known_languages(session: Session, limit: int = 100) -> list[str]:
    """Languages seen in the last 90 days, for the search form's choices."""
    since = utcnow() - timedelta(days=90)
    query = (
        select(Message.language)
        .where(Message.created_at >= since, Message.language.is_not(None))
        .group_by(Message.language)
        .order_by(func.count().desc())
        .limit(limit)
    )
    return [lang for lang in session.scalars(query) if lang]


# ---------------------------------------------------------------- users


def _policy_filter(status: str) -> ColumnElement[bool] | None:
    filters: dict[str, ColumnElement[bool]] = {
        "banned": UserPolicy.banned.is_(True),
        "allowed": UserPolicy.allowed.is_(True),
        "admin": UserPolicy.role == "admin",
        "limited": UserPolicy.daily_message_quota.is_not(None)
        | UserPolicy.daily_token_quota.is_not(None),
    }
    return filters.get(status)


def _users_query(session: Session, filters: UserFilters) -> Select[User, UserPolicy]:
    policy_filter = _policy_filter(filters.status)
    query: Select[User, UserPolicy]
    if policy_filter is None:
        query = (
            select(User, UserPolicy)
            .outerjoin(UserPolicy, UserPolicy.user_id == User.id)
            .order_by(User.last_seen_at.desc(), User.id)
        )
    else:
        query = (
            select(User, UserPolicy)
            .select_from(UserPolicy)
            .outerjoin(User, User.id == UserPolicy.user_id)
            .where(policy_filter)
            .order_by(UserPolicy.updated_at.desc(), UserPolicy.user_id)
        )
    if filters.q and filters.q.strip():
        needle = filters.q.strip().lstrip("@")
        if needle.lstrip("-").isdigit():
            ident = int(needle)
            query = query.where((User.id == ident) | (UserPolicy.user_id == ident))
        else:
            query = query.where(
                User.username.icontains(needle, autoescape=True)
                | User.first_name.icontains(needle, autoescape=True)
            )
    return query


def _user_row(user: User | None, policy: UserPolicy | None, usage: tuple[int, int]) -> UserRow:
    ident = user.id if user is not None else policy.user_id if policy is not None else 0
    return UserRow(
        id=ident,
        username=user.username if user else None,
        first_name=user.first_name if user else None,
        language_code=user.language_code if user else None,
        last_seen_at=user.last_seen_at if user else None,
        known=user is not None,
        banned=bool(policy and policy.banned),
        allowed=bool(policy and policy.allowed),
        role=policy.role if policy else "user",
        daily_message_quota=policy.daily_message_quota if policy else None,
        daily_token_quota=policy.daily_token_quota if policy else None,
        messages=usage[0],
        tokens=usage[1],
    )


def usage_by_user(
    session: Session, user_ids: list[int], start: datetime, end: datetime
) -> dict[int, tuple[int, int]]:
    """(chat messages, reply tokens) per user in [start, end), for a page of users."""
    if not user_ids:
        return {}
    in_range = and_(
        Message.user_id.in_(user_ids), _in_range(Message.created_at, start, end), _inbound()
    )
    counts = {
        uid: n
        for uid, n in session.execute(
            select(Message.user_id, func.count()).where(in_range).group_by(Message.user_id)
        )
    }
    reply = aliased(Message)
    tokens_expr = func.sum(
        func.coalesce(reply.prompt_tokens, 0) + func.coalesce(reply.completion_tokens, 0)
    )
    tokens = {
        uid: n
        for uid, n in session.execute(
            select(Message.user_id, tokens_expr)
            .join(reply, reply.reply_to_id == Message.id)
            .where(in_range)
            .group_by(Message.user_id)
        )
    }
    return {uid: (_int(counts.get(uid)), _int(tokens.get(uid))) for uid in user_ids}


def list_users(
    session: Session, filters: UserFilters, rng: TimeRange, offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page[UserRow]:
    """A page of users (newest activity first) with their policy and usage in the range."""
    query = _users_query(session, filters).offset(offset).limit(limit + 1)
    pairs = [(user, pol) for user, pol in session.execute(query)]
    ids = [
        user.id if user is not None else policy.user_id
        for user, policy in pairs[:limit]
        if user is not None or policy is not None
    ]
    usage = usage_by_user(session, ids, rng.start, rng.end)
    rows = [
        _user_row(user, policy, usage.get(user.id if user else policy.user_id, (0, 0)))
        for user, policy in pairs[:limit]
    ]
    return Page(rows=rows, offset=offset, has_more=len(pairs) > limit)


def daily_usage(session: Session, user_id: int, rng: TimeRange) -> list[UsageDay]:
    """One user's chat messages and reply tokens per UTC day of the range."""
    day = day_bucket(session, Message.created_at)
    where = and_(
        Message.user_id == user_id, _in_range(Message.created_at, rng.start, rng.end), _inbound()
    )
    counts = {
        as_date(d): c
        for d, c in session.execute(select(day, func.count()).where(where).group_by(day))
    }
    reply = aliased(Message)
    tokens_expr = func.sum(
        func.coalesce(reply.prompt_tokens, 0) + func.coalesce(reply.completion_tokens, 0)
    )
    tokens = {
        as_date(d): t
        for d, t in session.execute(
            select(day, tokens_expr).join(reply, reply.reply_to_id == Message.id)
            .where(where).group_by(day)
        )
    }
    return [UsageDay(d, _int(counts.get(d)), _int(tokens.get(d))) for d in rng.days()]


def user_detail(session: Session, user_id: int, rng: TimeRange) -> UserDetail | None:
    """One user's page, or None when the id is neither a known user nor has a policy."""
    user, policy = session.get(User, user_id), session.get(UserPolicy, user_id)
    if user is None and policy is None:
        return None
    usage = usage_by_user(session, [user_id], rng.start, rng.end).get(user_id, (0, 0))
    recent = search_messages(session, SearchFilters(user=str(user_id)), limit=20).rows
    return UserDetail(
        user=_user_row(user, policy, usage),
        ui_language=policy.ui_language if policy else None,
        persona_id=policy.persona_id if policy else None,
        note=policy.note if policy else None,
        daily=daily_usage(session, user_id, rng),
        recent=recent,
    )


# ---------------------------------------------------------------- failures


def _outcome(inbound: Message | None, replies: list[Message]) -> str:
    if inbound is None:
        return "no inbound message recorded"
    delivered = any(r.status == Status.DELIVERED.value for r in replies)
    outcomes = {
        Status.ANSWERED.value: "answered on a later attempt" if delivered else "answered",
        Status.FAILED.value: f"not answered: gave up after {inbound.attempts} attempt(s)",
        Status.CANCELLED.value: "cancelled",
        Status.PENDING.value: "waiting to be retried",
        Status.PROCESSING.value: "being retried",
    }
    return outcomes.get(inbound.status, inbound.status)


def _failure_rows(session: Session, failed: list[Message]) -> list[FailureRow]:
    inbound_ids = {m.id if m.role == Role.USER.value else m.reply_to_id for m in failed}
    inbound_ids.discard(None)
    inbound = {
        m.id: m for m in session.scalars(select(Message).where(Message.id.in_(inbound_ids)))
    }
    replies: dict[int, list[Message]] = {}
    for reply in session.scalars(select(Message).where(Message.reply_to_id.in_(inbound_ids))):
        replies.setdefault(reply.reply_to_id or 0, []).append(reply)
    rows = []
    for message in failed:
        source_id = message.id if message.role == Role.USER.value else message.reply_to_id
        source = inbound.get(source_id) if source_id is not None else None
        rows.append(
            FailureRow(
                id=message.id, conversation_id=message.conversation_id,
                chat_id=message.chat_id, user_id=source.user_id if source else message.user_id,
                role=message.role, created_at=message.created_at, error=message.error,
                attempts=message.attempts, finish_reason=message.finish_reason,
                inbound_id=source.id if source else None,
                inbound_text=_snippet(source.text if source else ""),
                inbound_status=source.status if source else None,
                outcome=_outcome(source, replies.get(source.id, []) if source else []),
            )
        )
    return rows


def failures(
    session: Session, rng: TimeRange, offset: int = 0, limit: int = PAGE_SIZE
) -> Failures:
    """Failed messages of the range (newest first) and the most frequent error texts."""
    reply = aliased(Message)
    failed_reply = (
        select(reply.id)
        .where(reply.reply_to_id == Message.id, reply.status == Status.FAILED.value)
        .exists()
    )
    # An inbound message whose reply failed too is shown once, through its reply.
    where = and_(
        Message.status == Status.FAILED.value,
        _in_range(Message.created_at, rng.start, rng.end),
        ~and_(Message.role == Role.USER.value, failed_reply),
    )
    failed = list(
        session.scalars(
            select(Message).where(where).order_by(Message.created_at.desc(), Message.id.desc())
            .offset(offset).limit(limit + 1)
        )
    )
    error_text = func.coalesce(func.substr(Message.error, 1, 160), "(no error recorded)")
    top = [
        ErrorCount(error=str(text), count=int(count))
        for text, count in session.execute(
            select(error_text, func.count()).where(where).group_by(error_text)
            .order_by(func.count().desc()).limit(8)
        )
    ]
    total = _int(session.scalar(select(func.count()).where(where)))
    page = Page(rows=_failure_rows(session, failed[:limit]), offset=offset,
                has_more=len(failed) > limit)
    return Failures(page=page, top_errors=top, total=total)


# ---------------------------------------------------------------- personas


def personas(session: Session) -> list[PersonaRow]:
    """Every persona, enabled or not, in `/mode` order, with how many users chose it."""
    chosen = (
        select(UserPolicy.persona_id, func.count().label("n"))
        .where(UserPolicy.persona_id.is_not(None))
        .group_by(UserPolicy.persona_id)
        .subquery()
    )
    query = (
        select(Persona, func.coalesce(chosen.c.n, 0))
        .outerjoin(chosen, chosen.c.persona_id == Persona.id)
        .order_by(Persona.sort_order, Persona.id)
    )
    return [
        PersonaRow(
            id=p.id, name=p.name, system_prompt=p.system_prompt, enabled=p.enabled,
            sort_order=p.sort_order, users=int(n), updated_at=p.updated_at,
        )
        for p, n in session.execute(query)
    ]
