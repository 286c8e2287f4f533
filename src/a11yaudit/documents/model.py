"""The document checker's data: limits, one outcome, and the result for one document (plain dataclasses that go
to and from JSON, because the checks run in a separate worker process)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED, worst

DOCUMENT_OUTCOMES = (PASSED, FAILED, CANT_TELL, INAPPLICABLE)

# error kinds of a DocumentResult (None = checked)
ERROR_KINDS = (
    "timeout",              # the wall-clock limit passed; the worker was killed
    "memory",               # the worker ran out of its address-space limit
    "crash",                # the worker died (a signal, a native library abort)
    "decompression_bomb",   # a PDF stream inflates beyond limits.max_stream_bytes
    "too_complex",          # more content operators than the checker walks (endless content)
    "zip_bomb",             # an OOXML package that inflates beyond its limits
    "xml_entities",         # a DTD / entity declarations in an OOXML part (billion laughs, external entities)
    "password",             # a PDF that needs a password to open
    "damaged",              # not readable as its type at all
    "unsupported_format",   # not a PDF or OOXML package (legacy .doc/.xls/.ppt, images, …)
    "not_found",            # no file at the path
    "internal",             # an error of the checker itself (a bug): the file may be fine
)


@dataclass
class Limits:
    timeout_s: float = 60.0           # wall clock per document (the worker is killed after it)
    memory_mb: int = 1024             # RLIMIT_AS of the worker process
    max_scan_pages: int = 2000        # pages whose content streams are scanned (glyphs, image cover, fonts)
    max_stream_bytes: int = 64 << 20  # one decoded PDF content stream
    max_struct_nodes: int = 200_000   # structure elements walked
    max_zip_members: int = 5_000
    max_part_bytes: int = 64 << 20    # one uncompressed OOXML part that is read
    max_unzipped_bytes: int = 1 << 30  # the declared uncompressed size of a whole package
    max_zip_ratio: int = 200          # compression ratio of one member above which it counts as a bomb (≥ 1 MB)
    long_document_pages: int = 21     # bookmarks expected from this many pages on (Acrobat's checker: > 20)
    huge_image_pixels: int = 100_000_000   # an image above this is reported as a fact (never decoded)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Limits":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


@dataclass
class Outcome:
    rule: str                    # DOC01 …
    outcome: str                 # passed | failed | cantTell | inapplicable
    criteria: list[str] = field(default_factory=list)   # success criteria (empty for best-practice rules)
    message: str = ""            # Japanese
    message_en: str = ""         # English
    location: str = ""           # "p. 3", "word/document.xml", "Sheet1", "" = the document
    category: str = "conformance"   # conformance | best-practice (never counted as a criterion failure)
    details: dict = field(default_factory=dict)


@dataclass
class DocumentResult:
    path: str
    kind: str | None = None       # pdf | docx | xlsx | pptx | ole (legacy Office) | None (unknown)
    media_type: str | None = None
    size: int = 0
    sha256: str | None = None
    pages: int | None = None      # PDF pages, pptx slides, xlsx sheets; None for docx (pages are a layout matter)
    title: str | None = None
    lang: str | None = None
    text: dict = field(default_factory=dict)    # text-layer facts: chars, pages with text, image-only pages …
    facts: dict = field(default_factory=dict)   # everything else observed: tagged, encrypted, javascript, fonts …
    outcomes: list[Outcome] = field(default_factory=list)
    error_kind: str | None = None
    error: str | None = None
    elapsed_s: float = 0.0
    peak_rss_kb: int | None = None   # the worker's peak resident memory so far (Linux ru_maxrss)

    @property
    def ok(self) -> bool:
        return self.error_kind is None

    def outcome_of(self, rule: str) -> str | None:
        """The rule's outcome over the whole document (a failure anywhere outweighs the rest); None if not run."""
        found = [o.outcome for o in self.outcomes if o.rule == rule]
        return worst(found) if found else None

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome == FAILED and o.category == "conformance"]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentResult":
        data = dict(data)
        data["outcomes"] = [Outcome(**o) for o in data.get("outcomes") or []]
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
