"""gatetrace: forensic analysis of seized VoIP gateways, captures and laptops."""

__version__ = "0.1.0"


def analyze(case, options=None):  # noqa: ANN001 - thin re-export, see forensics.pipeline
    """Analyse a case (case.yaml or folder) and return the findings dict."""
    from forensics.pipeline import analyze as _analyze

    return _analyze(case, options)


__all__ = ["__version__", "analyze"]
