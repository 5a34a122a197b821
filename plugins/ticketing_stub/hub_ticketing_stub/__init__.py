"""A stand-in for an event-ticketing platform, packaged as any third-party hub plugin is.

It shows what a ticketing integration receives from the hub: an event page that gains the
join link, passcode and dial-in numbers when the video provider reports them (and the
recording links afterwards), and the emails a platform would send each buyer with their
personal join link. Its ``simulate`` command plays the other direction, posting events,
sales and refunds to a running hub the way a ticketing platform's backend would.
"""
