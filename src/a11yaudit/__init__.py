"""a11yaudit: JIS X 8341-3 accessibility and smartphone-readiness audits for Japanese public-sector sites."""

__version__ = "0.1.0"
