"""The web workspace (`a11yaudit serve`): a Starlette app on the audit database for a web team — sites and their
latest runs, a run's 達成基準チェックリスト and problems, two runs compared, triage of problems by fingerprint.
Server-rendered, autoescaped Jinja2 without JavaScript; Japanese by default, `?lang=en`."""
