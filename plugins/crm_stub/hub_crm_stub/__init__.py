"""A stand-in for a CRM, packaged as any third-party hub plugin is.

Ticket sales become contacts, refunds and holder changes follow them, and the provider's
final attendance is appended to each contact. Its ``fail_rate`` setting makes a share of
calls fail like a flaky CRM API does, which shows that the hub retries only the CRM's
delivery and never re-runs the video provider's work for it.
"""
