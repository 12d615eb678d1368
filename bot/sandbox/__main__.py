"""`python -m bot.sandbox [--host H] [--port P] [--bot-username NAME]`: the sandbox alone."""

from __future__ import annotations

from bot.sandbox.server import main

if __name__ == "__main__":
    main()
