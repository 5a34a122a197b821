"""``python -m hub_zoom.emulator --port 8765 ...``: same options as ``hub zoom-emulator``."""

from .cli import main

if __name__ == "__main__":
    main()
