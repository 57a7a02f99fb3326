"""The docs stay honest: every setting, indicator and level is documented."""

from __future__ import annotations

from app.codes import LEVELS
from app.settings import PROJECT_ROOT, Settings
from app.stats.indicators import CORE_REGISTRY

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_DOC = (PROJECT_ROOT / "docs" / "settings.md").read_text(encoding="utf-8")


def test_settings_page_is_generated_from_the_model() -> None:
    from scripts.settings_doc import render

    assert SETTINGS_DOC == render(), "run: .venv/bin/python scripts/settings_doc.py"


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_every_indicator_and_level_is_in_the_readme() -> None:
    missing = [
        f"`{code}`" for code in CORE_REGISTRY.codes() + list(LEVELS) if f"`{code}`" not in README
    ]
    assert not missing, f"add to README.md: {missing}"
