"""A malformed rule file is refused with its file, line and field."""

import shutil

import pytest

from a11yaudit.errors import ConfigError
from a11yaudit.rules.loader import load_rules


def _copy_rules(root, tmp_path):
    dest = tmp_path / "rules"
    shutil.copytree(root / "rules", dest)
    return dest


def test_unknown_criterion_and_check_are_located(root, tmp_path):
    rules = _copy_rules(root, tmp_path)
    path = rules / "checks" / "JP01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('requirements: ["1.3.2"]', 'requirements: ["9.9.9"]'),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_rules(str(rules))
    assert exc.value.file.endswith("JP01.yaml") and exc.value.field == "requirements[0]" and exc.value.line == 4

    path.write_text(path.read_text(encoding="utf-8").replace('requirements: ["9.9.9"]', 'requirements: ["1.3.2"]')
                    .replace("check: spaced_word", "check: no_such_check"), encoding="utf-8")
    load_rules.cache_clear()
    with pytest.raises(ConfigError, match="no check named 'no_such_check'"):
        load_rules(str(rules))
    load_rules.cache_clear()
