"""Runs the Rasa command line with the project's runtime fixes (``bot.runtime``) applied.

python -m bot.serve run --model models/current.tar.gz ...   # same arguments as `rasa`
"""

from __future__ import annotations

from rasa.__main__ import main

from bot.runtime import install

if __name__ == "__main__":
    install()
    main()
