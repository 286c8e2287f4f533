"""Character classes for Japanese text (Python's re has no \\p{Han}): Han, Hiragana, Katakana."""

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fd\u30fe\uff66-\uff9d"
# Whitespace used for visual spacing: ASCII space, tab/newline (collapsed by HTML), U+3000, NBSP.
SPACING = " \t\r\n\u3000\u00a0"

# 機種依存文字 (環境依存文字): characters outside JIS X 0208 that old Shift_JIS/Mac environments garbled and that
# screen readers read inconsistently (Japanese pattern JP-KISHU-IZON). Suggested replacement per character; ranges
# not listed here fall back to NFKC (㈱ → (株), ㍻ → 平成, ㌔ → キロ, ㎏ → kg, half-width kana → full-width).
MACHINE_DEPENDENT_RANGES = (
    ("\u2460", "\u2473"),   # ① – ⑳
    ("\u3251", "\u325f"),   # ㉑ – ㉟
    ("\u32b1", "\u32bf"),   # ㊱ – ㊿
    ("\u2160", "\u217f"),   # Ⅰ – ↀ roman numerals (Ⅰ–Ⅻ, ⅰ–ⅻ)
    ("\u3220", "\u3243"),   # ㈠ – ㉃ parenthesised ideographs (㈱ ㈲ ㈹)
    ("\u3280", "\u32b0"),   # ㊀ – ㊰ circled ideographs (㊤ ㊥ ㊦ ㊧ ㊨)
    ("\u32ff", "\u32ff"),   # ㋿ (令和)
    ("\u337b", "\u337f"),   # ㍻ ㍼ ㍽ ㍾ ㍿
    ("\u3300", "\u3357"),   # ㌀ – ㍗ squared katakana (㌔ ㌢ ㍍ ㌘ ㌧ ㌃ ㌶ ㍑ ㍗)
    ("\u3380", "\u33df"),   # ㎀ – ㏟ squared Latin units (㎜ ㎝ ㎞ ㎎ ㎏ ㏄ ㎡)
    ("\u2116", "\u2116"),   # №
    ("\u2121", "\u2121"),   # ℡
    ("\u222e", "\u222e"),   # ∮ (NEC row 13)
    ("\u2211", "\u2211"),   # ∑
    ("\u221f", "\u221f"),   # ∟
    ("\u22bf", "\u22bf"),   # ⊿
    ("\uff61", "\uff9f"),   # half-width katakana and punctuation (ｱ ｲ ｳ ･ ｰ)
)
MACHINE_DEPENDENT_CLASS = "".join(f"{a}-{b}" if a != b else a for a, b in MACHINE_DEPENDENT_RANGES)
REPLACEMENTS = {
    "\u2116": "No.", "\u2121": "TEL", "\u222e": "（文字で説明）", "\u2211": "（文字で説明）",
    "\u221f": "直角", "\u22bf": "直角三角形", "\u32ff": "令和", "\u337f": "株式会社",
    "\u32a4": "（上）", "\u32a5": "（中）", "\u32a6": "（下）", "\u32a7": "（左）", "\u32a8": "（右）",
}
# Full-width digits in numbers with separators: 「１２，３４５円」「２．４％」「０８５２－２２－１２３４」 are read digit by
# digit or wrongly (総務省 東海総合通信局 「音声読み上げに配慮したテキスト表記」 ポイント2).
FULLWIDTH_DIGITS = "０-９"
NUMBER_SEPARATORS = "，,．.－\\-‐―ー−"
