"""Write docs/settings.md from the Settings model (tests/test_docs.py checks it is current)."""

from __future__ import annotations

import json
import sys

from app.settings import PROJECT_ROOT, Settings

HEADER = """# Settings

Every setting is an environment variable with the prefix `SIEP_` (or a line in a `.env`
file read by your process manager). Secrets come only from the environment.
Regenerate this page with `.venv/bin/python scripts/settings_doc.py`.

| variable | default | description |
|---|---|---|
"""


def render() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if name in ("data_dir", "var_dir"):
            default = f"./{default.name}" if default else default
        shown = (
            ""
            if default is None
            else (json.dumps(default) if isinstance(default, list | bool) else str(default))
        )
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `SIEP_{name.upper()}` | `{shown}` | {description} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    target = PROJECT_ROOT / "docs" / "settings.md"
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
