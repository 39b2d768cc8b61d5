"""Query behaviour shared by every registry: the QuerySet subclass, its manager, DataFrame columns."""
