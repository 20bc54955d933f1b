"""Renderers: reports and derivations as text (and, later, LaTeX, MathML, Markdown, HTML)."""

from .text import report_text

__all__ = ["report_text"]
