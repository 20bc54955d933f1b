"""Renderers: reports, proofs and derivations as text, LaTeX, MathML, Markdown, HTML and JSON."""

from .text import general_text, report_text

__all__ = ["general_text", "report_text"]
