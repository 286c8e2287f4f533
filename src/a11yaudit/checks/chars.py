"""Character classes for Japanese text (Python's re has no \\p{Han}): Han, Hiragana, Katakana."""

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fd\u30fe\uff66-\uff9d"
# Whitespace used for visual spacing: ASCII space, tab/newline (collapsed by HTML), U+3000, NBSP.
SPACING = " \t\r\n\u3000\u00a0"
