"""The names of the document checks that rules/checks/DOC*.yaml bind to (`target: document`, `check: …`).
Pure data, imported by the rule loader: no PDF or XML library is loaded for it."""

# check name → the file types it judges
DOCUMENT_CHECKS = {
    "pdf_tagged": ("pdf",), "pdf_title": ("pdf",), "pdf_lang": ("pdf",), "pdf_text_layer": ("pdf",),
    "pdf_unicode": ("pdf",), "pdf_encryption": ("pdf",), "pdf_bookmarks": ("pdf",), "pdf_figure_alt": ("pdf",),
    "pdf_table_headers": ("pdf",), "pdf_headings": ("pdf",),
    "office_title": ("docx", "xlsx", "pptx"), "office_image_alt": ("docx", "xlsx", "pptx"),
    "office_headings": ("docx", "pptx"), "office_sheet_names": ("xlsx",), "office_lang": ("docx", "pptx"),
}
