"""The traffic a ticketing platform produces: events, buyers, ticket sales and refunds.

Everything is derived from a seed, so a simulation can be repeated exactly (re-posting the
same bodies is also a live demonstration that the hub's ingest is idempotent). Names carry
accents and come from several languages because real buyer data does; email addresses stay
under the reserved ``example.*`` domains so that nothing can ever reach a real mailbox.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.models import Event, EventFormat, EventSession, Refund, Ticket


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


FIRST_NAMES = _names("""
    Ana, Ioana, Mihai, Andrei, Elena, Ștefan, Maria, Radu, Sofia, Luca, José, Lucía, Mateo,
    Camila, Chloé, Léa, Hugo, Zoë, Emma, Noah, Olivia, Liam, Amelia, Oliver, Hannah, Jonas,
    Lena, Felix, Giulia, Marco, Aoife, Seán, Priya, Arjun, Ananya, Wei, Mei, Hiroshi, Yuki,
    Fatima, Omar, Amina, Kwame, Ama, Chidi, Ngozi, Mateus, Beatriz, Søren, Ingrid, Åsa,
    Mikael, Agnieszka, Paweł, Zeynep, Emre, Nikos, Eleni, Dmitri, Olga
""")
LAST_NAMES = _names("""
    Popescu, Ionescu, Dumitrescu, Stan, Gheorghiu, García, Fernández, López, Martínez,
    Dubois, Lefèvre, Moreau, Müller, Schmidt, Schäfer, Rossi, Bianchi, Esposito, Murphy,
    O'Brien, Kelly, Smith, Johnson, Williams, Brown, Taylor, Patel, Sharma, Iyer, Wang, Li,
    Zhang, Tanaka, Suzuki, Sato, Haddad, Khalil, Mensah, Okafor, Adeyemi, Silva, Santos,
    Oliveira, Jensen, Nielsen, Lindqvist, Nowak, Kowalski, Yılmaz, Demir, Papadopoulos,
    Ivanova, Novak, van der Berg, de Vries
""")  # noqa: RUF001 (the Turkish dotless i in one name is deliberate)
ORGANISATIONS = _names("""
    Northwind Traders, Contoso Ltd, Fabrikam, Tailspin Toys, Wide World Importers,
    Blue Yonder Airlines, Coho Winery, Alpine Ski House, Adventure Works, Litware Inc,
    Proseware, Woodgrove Bank, Lucerne Publishing, Margie's Travel, Humongous Insurance,
    Trey Research, Fourth Coffee, Graphic Design Institute, School of Fine Art,
    City Library, Riverside Clinic, Open Data Collective
""")
JOB_TITLES = _names("""
    Software Engineer, Product Manager, Data Analyst, Marketing Lead, Head of Sales,
    Teacher, Researcher, Designer, Consultant, Nurse, Project Coordinator, Student, Founder,
    Operations Manager, Librarian, Community Manager, Chief Technology Officer, Accountant,
    Journalist, HR Business Partner
""")
PERSONAL_DOMAINS = ("mail.example.com", "inbox.example.org", "post.example.net")
TOPICS = _names("""
    Python, Data Visualisation, Public Speaking, Remote Team Leadership, Sourdough Baking,
    Photography, Climate Tech, Accessibility, Kubernetes, Negotiation, Watercolour,
    Personal Finance, UX Research, Cybersecurity, Creative Writing, Machine Learning,
    Product Discovery, Urban Gardening
""")
TITLE_PATTERNS = (
    "Introduction to {}",
    "{} Workshop",
    "{} Masterclass",
    "{} Summit",
    "{}: Ask Me Anything",
    "Hands-on {}",
    "{} for Beginners",
    "Advanced {}",
)
TIMEZONES = (
    "Europe/Bucharest",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)
PHONE_PREFIXES = ("+40 721 ", "+44 7700 ", "+49 151 ", "+1 555 ", "+34 612 ", "+81 90 ")
SOURCES = ("Newsletter", "A friend", "Social media", "Search engine", "Our website")


@dataclass(frozen=True)
class Buyer:
    first_name: str
    last_name: str
    email: str
    org: str | None
    job_title: str | None
    phone: str | None


@dataclass(frozen=True)
class Traffic:
    """What one simulation posts, in the order it posts it."""

    events: list[Event]
    tickets: list[Ticket]
    refunds: list[Refund]


# Letters that Unicode does not decompose into an ASCII base letter plus accents.
TRANSLITERATE = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "ł": "l", "ı": "i"})  # noqa: RUF001


def _ascii_slug(text: str, sep: str = "") -> str:
    plain = unicodedata.normalize("NFKD", text.translate(TRANSLITERATE))
    folded = plain.encode("ascii", "ignore").decode()
    return sep.join("".join(c for c in word if c.isalnum()) for word in folded.lower().split())


def _buyer(rng: random.Random, n: int) -> Buyer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    works = rng.random() < 0.7
    org = rng.choice(ORGANISATIONS) if works else None
    domain = f"{_ascii_slug(org)}.example.com" if org else rng.choice(PERSONAL_DOMAINS)
    # The counter keeps addresses unique: two "Ana Popescu" are two different people.
    local = f"{_ascii_slug(first)}.{_ascii_slug(last, '-')}{n}"
    phone = f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
    return Buyer(
        first_name=first,
        last_name=last,
        email=f"{local}@{domain}",
        org=org,
        job_title=rng.choice(JOB_TITLES) if works else None,
        phone=phone if rng.random() < 0.3 else None,
    )


def default_start() -> datetime:
    """Two weeks from today at midnight UTC: in the future, and the same all day long, so
    repeating a simulation on the same day posts byte-identical events."""
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=14), time(0, 0), tzinfo=UTC)


def generate(
    events: int,
    tickets: int,
    refunds: int,
    *,
    seed: int = 1,
    format: EventFormat = "auto",
    sessions: int = 0,
    video_provider: str | None = None,
    starts_after: datetime | None = None,
    id_prefix: str = "sim",
) -> Traffic:
    """Events, then ``tickets`` sales spread round-robin over them, then ``refunds`` of
    distinct sold tickets. Ids embed the seed so that runs with different seeds never
    collide while a repeated run re-posts the very same ids."""
    if events < 1:
        raise ValueError("at least one event is needed to sell tickets")
    if not 0 <= refunds <= tickets:
        raise ValueError("refunds must be between 0 and the number of tickets")
    rng = random.Random(seed)
    start = starts_after or default_start()
    prefix = f"{id_prefix}-{seed}"
    event_list: list[Event] = []
    for i in range(events):
        tz = rng.choice(TIMEZONES)
        day = start.astimezone(ZoneInfo(tz)).date() + timedelta(days=i)
        local_start = datetime.combine(day, time(rng.randrange(9, 19), rng.choice((0, 30))))
        starts_at = local_start.replace(tzinfo=ZoneInfo(tz))
        duration = rng.choice((45, 60, 90, 120))
        per_event = tickets // events + (1 if i < tickets % events else 0)
        capacity = max(per_event * 2, rng.choice((50, 100, 250, 500)))
        title = rng.choice(TITLE_PATTERNS).format(rng.choice(TOPICS))
        event_list.append(
            Event(
                id=f"{prefix}-e{i + 1:03d}",
                title=title,
                description=f"A live online session: {title}. Bring your questions.",
                starts_at=starts_at,
                duration_minutes=duration,
                timezone=tz,
                capacity=capacity,
                format=format,
                video_provider=video_provider,
                sessions=[
                    EventSession(
                        id=f"s{k + 1}",
                        title=f"Part {k + 1}",
                        starts_at=starts_at + timedelta(days=k),
                        duration_minutes=duration,
                    )
                    for k in range(sessions)
                ],
            )
        )
    # Some buyers come back for several events, as they do on real platforms.
    pool = [_buyer(rng, n) for n in range(1, max(1, round(tickets * 0.85)) + 1)]
    ticket_list: list[Ticket] = []
    for n in range(tickets):
        event = event_list[n % events]
        buyer = pool[n] if n < len(pool) else rng.choice(pool)
        answers = {"How did you hear about us?": rng.choice(SOURCES)} if rng.random() < 0.5 else {}
        ticket_list.append(
            Ticket(
                id=f"{prefix}-t{n + 1:05d}",
                event_id=event.id,
                email=buyer.email,
                first_name=buyer.first_name,
                last_name=buyer.last_name,
                org=buyer.org,
                job_title=buyer.job_title,
                phone=buyer.phone,
                answers=answers,
            )
        )
    refunded = sorted(rng.sample(range(tickets), refunds))
    refund_list = [
        Refund(ticket_id=ticket_list[i].id, event_id=ticket_list[i].event_id) for i in refunded
    ]
    return Traffic(events=event_list, tickets=ticket_list, refunds=refund_list)
