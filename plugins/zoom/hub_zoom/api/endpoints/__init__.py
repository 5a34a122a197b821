"""Typed convenience methods, one mixin per Zoom area, combined by ``ZoomClient``.

Each method names its Zoom rate-limit category (from the Rate Limit Label of the operation
in Zoom's spec) so the shared budget is charged correctly, and says whether repeating it is
safe, which decides whether ambiguous failures are retried in place.
"""

from hub_zoom.api.endpoints.meetings import MeetingEndpoints
from hub_zoom.api.endpoints.recordings import RecordingEndpoints
from hub_zoom.api.endpoints.reports import ReportEndpoints
from hub_zoom.api.endpoints.users import UserEndpoints
from hub_zoom.api.endpoints.webinars import WebinarEndpoints

__all__ = [
    "MeetingEndpoints",
    "RecordingEndpoints",
    "ReportEndpoints",
    "UserEndpoints",
    "WebinarEndpoints",
]
