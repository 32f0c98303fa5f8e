"""compliance-kit: check, with evidence, that a company keeps its privacy policy's promises."""

__version__ = "0.1.0"
