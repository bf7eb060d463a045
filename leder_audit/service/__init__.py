"""The point-of-care service (the `serve` extra): CDS Hooks 2.0, a plain JSON API and the medical examiner's page.

Only `app` needs FastAPI; cards, hooks, drafts and feedback are plain Python over the core library.
"""
