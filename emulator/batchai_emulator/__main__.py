"""``python -m batchai_emulator``: the same as the ``batchai-emulator`` command."""

from batchai_emulator.cli import main

raise SystemExit(main())
