"""`python -m dvk_subscriber` is `dvk-subscribe`."""
import sys

from .cli import main

sys.exit(main())
