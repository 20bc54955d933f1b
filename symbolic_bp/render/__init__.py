"""Renderers: reports and derivations as text (and, later, LaTeX, MathML, Markdown, HTML)."""

from .text import general_text, report_text

__all__ = ["general_text", "report_text"]
