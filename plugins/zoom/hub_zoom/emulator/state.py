"""``ZoomEmulator``: all in-memory state of one emulated Zoom, plus lookups.

One object holds accounts, apps, users, meetings/webinars with their instances, tokens,
rate-limit counters, fault configuration, statistics and the webhook dispatcher, so a
test can reach any of it through ``handle.state`` and assert directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .clock import Clock, parse_datetime
from .config import EmulatorConfig, OAuthApp
from .errors import ControlError, ZoomError, meeting_not_found, user_not_found
from .faults import FaultInjector
from .ids import IdFactory
from .models import Instance, Kind, Meeting, User
from .pagination import Paginator
from .ratelimits import RateLimiter
from .stats import Stats
from .tokens import AccessToken, TokenStore
from .webhooks_out import WebhookDispatcher

if TYPE_CHECKING:
    from .simulator import Simulator


class ZoomEmulator:
    def __init__(self, config: EmulatorConfig, clock: Clock | None = None) -> None:
        self.config = config
        start = parse_datetime(config.start_time) if config.start_time else None
        self.clock = clock or Clock(start=start, time_scale=config.time_scale)
        self.ids = IdFactory(config.seed)
        self.apps: dict[str, OAuthApp] = {}
        self.plans: dict[str, str] = {config.account_id: config.plan}
        main_app = OAuthApp(
            client_id=config.client_id,
            client_secret=config.client_secret,
            account_id=config.account_id,
            plan=config.plan,
            webhook_url=config.webhook_url,
            webhook_secret=config.webhook_secret,
            verification_token=config.verification_token,
            webhook_events=config.webhook_events,
            redirect_uris=list(config.redirect_uris),
        )
        for app in [main_app, *config.apps]:
            self.apps[app.client_id] = app
            self.plans.setdefault(app.account_id, app.plan or config.plan)
        self.users: dict[str, User] = {}
        self.users_by_email: dict[str, User] = {}
        for host in config.users:
            self.add_user(
                email=host.email,
                first_name=host.first_name,
                last_name=host.last_name,
                user_id=host.id,
                type=host.type,
                account_id=host.account_id or config.account_id,
                timezone=host.timezone,
                webinar=host.webinar,
                role_name=host.role_name,
                status=host.status,
            )
        self.meetings: dict[int, Meeting] = {}
        self.instances: dict[str, Instance] = {}
        self.tokens = TokenStore(self.clock, config.seed)
        self.rate_limits = RateLimiter(self.clock, self.plans)
        self.paginator = Paginator(self.clock)
        self.faults = FaultInjector(self.clock, config.seed)
        self.stats = Stats()
        self.webhooks = WebhookDispatcher(self.clock, config)
        self.base_url = f"http://{config.host}:{config.port}"
        #: download key -> (meeting id, instance uuid, file id)
        self.downloads: dict[str, tuple[int, str, str]] = {}
        #: download token -> (instance uuid, expiry)
        self.download_tokens: dict[str, tuple[str, datetime]] = {}
        self._simulator: Simulator | None = None

    @property
    def simulator(self) -> Simulator:
        """The meeting simulator driving this emulator (created on first use)."""
        if self._simulator is None:
            from .simulator import Simulator

            self._simulator = Simulator(self)
        return self._simulator

    # ------------------------------------------------------------------ URLs
    @property
    def public_base_url(self) -> str:
        return (self.config.public_base_url or self.base_url).rstrip("/")

    def set_base_url(self, url: str) -> None:
        self.base_url = url.rstrip("/")

    def set_webhook_url(self, url: str | None, client_id: str | None = None) -> None:
        """Point an app's event subscription (the main app by default) at ``url``.

        Tests learn the receiver's port only after the emulator is running; ``None``
        stops sending webhooks to that app.
        """
        self.apps[client_id or self.config.client_id].webhook_url = url

    # ------------------------------------------------------------------ users
    def add_user(
        self,
        email: str,
        first_name: str = "",
        last_name: str = "",
        user_id: str | None = None,
        type: int = 2,
        account_id: str | None = None,
        timezone: str = "UTC",
        webinar: bool = True,
        role_name: str = "Member",
        status: str = "active",
    ) -> User:
        user = User(
            id=user_id or self.ids.user_id(),
            email=email,
            first_name=first_name,
            last_name=last_name,
            type=type,
            account_id=account_id or self.config.account_id,
            timezone=timezone,
            pmi=int(self.ids.digits(10)),
            created_at=self.clock.now(),
            webinar=webinar,
            role_name=role_name,
            status=status,
        )
        self.users[user.id] = user
        self.users_by_email[email.lower()] = user
        return user

    def account_owner(self, account_id: str) -> User:
        for user in self.users.values():
            if user.account_id == account_id:
                return user
        raise ZoomError(404, 1001, f"User does not exist: {account_id}.")

    def resolve_user(self, ref: str, token: AccessToken) -> User:
        """``userId`` path values: a user id, an email address or ``me``."""
        ref = unquote(ref)
        user: User | None
        if ref == "me":
            user = self.users.get(token.grant.user_id)
        else:
            user = self.users.get(ref) or self.users_by_email.get(ref.lower())
        if user is None or user.account_id != token.grant.account_id:
            raise user_not_found(ref)
        return user

    # ------------------------------------------------------------------ meetings
    def meeting(self, ref: str, kind: Kind, token: AccessToken | None) -> Meeting:
        """Look up a live meeting or webinar by its numeric id (3001 when missing)."""
        ref = unquote(str(ref))
        try:
            number = int(ref)
        except ValueError:
            raise meeting_not_found(ref, kind) from None
        meeting = self.meetings.get(number)
        if (
            meeting is None
            or meeting.deleted
            or meeting.kind != kind
            or (token is not None and meeting.account_id != token.grant.account_id)
        ):
            raise meeting_not_found(ref, kind)
        return meeting

    def any_meeting(self, ref: str | int) -> Meeting:
        """Control-API lookup: meetings and webinars, no account check."""
        try:
            meeting = self.meetings.get(int(unquote(str(ref))))
        except ValueError:
            meeting = None
        if meeting is None:
            raise ControlError(404, f"no meeting or webinar {ref}")
        return meeting

    def past_instance(
        self, ref: str, token: AccessToken | None, kind: Kind | None = None
    ) -> tuple[Meeting, Instance] | None:
        """Resolve a meeting id (latest ended instance) or an instance UUID.

        Returns None when there is no such ended instance; callers raise the error
        text their endpoint uses.  Instances of deleted meetings stay reachable by
        UUID, as past meetings do on Zoom.
        """
        value = unquote(ref)
        instance = self.instances.get(value)
        meeting: Meeting | None = None
        if instance is not None:
            meeting = self.meetings.get(instance.meeting_id)
            if not instance.ended:
                return None
        else:
            try:
                meeting = self.meetings.get(int(value))
            except ValueError:
                return None
            if meeting is None:
                return None
            instance = meeting.last_ended
            if instance is None:
                return None
        if meeting is None:
            return None
        if kind is not None and meeting.kind != kind:
            return None
        if token is not None and meeting.account_id != token.grant.account_id:
            return None
        return meeting, instance

    def host_of(self, meeting: Meeting) -> User:
        return self.users[meeting.host_id]

    # ------------------------------------------------------------------ webhooks
    def apps_for_account(self, account_id: str) -> list[OAuthApp]:
        return [app for app in self.apps.values() if app.account_id == account_id]

    def emit(
        self,
        account_id: str,
        event: str,
        obj: dict[str, Any],
        event_time: datetime | None = None,
        operator: User | None = None,
        operation: str | None = None,
        download_token: str | None = None,
    ) -> None:
        """Send one Zoom event to every subscribed app of the account."""
        payload: dict[str, Any] = {"account_id": account_id}
        if operator is not None:
            payload["operator"] = operator.email
            payload["operator_id"] = operator.id
            if operation is not None:
                payload["operation"] = operation
        payload["object"] = obj
        when = event_time or self.clock.now()
        for app in self.apps_for_account(account_id):
            self.webhooks.emit(app, event, payload, when, download_token=download_token)

    # ------------------------------------------------------------------ stats
    def stats_snapshot(self) -> dict[str, Any]:
        categories: dict[str, int] = {}
        for (account, category), count in self.rate_limits.accepted.items():
            categories[f"{account}:{category}"] = count
            categories[category] = categories.get(category, 0) + count
        return self.stats.snapshot(categories, dict(self.rate_limits.rejected))
