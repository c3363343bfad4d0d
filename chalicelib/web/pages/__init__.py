"""Server-rendered pages (Simplified Chinese, phone first), one module per feature."""
