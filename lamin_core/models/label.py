"""Free-text labels (ULabel) and their links to artifacts and collections."""

from django.db import connections, models, router, transaction

from .._logger import logger
from ..setup.settings import creation_settings
from ._defaults import uid8
from ._validation import validate_init
from .base import Record, TracksRun, TracksUpdates


class ULabel(Record, TracksRun, TracksUpdates):
    """A universal label: an experiment, a perturbation, a project."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    name = models.CharField(max_length=150, db_index=True)
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    description = models.TextField(null=True, default=None)
    reference = models.CharField(max_length=255, null=True, default=None, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, default=None, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")

    def __init__(self, *args, **kwargs):
        if not args:  # checked before an existing label is returned; `ULabel()` is refused, as in 1.5.3
            validate_init(ULabel, kwargs)
        # like LaminDB: a label whose name (within its type) exists already is that record
        name = kwargs.get("name")
        existing = None
        if not args and isinstance(name, str) and creation_settings.search_names:
            same_type = {"type": kwargs["type"]} if "type" in kwargs else {"type__isnull": True}
            existing = ULabel.objects.filter(name=name, **same_type).order_by("id").first()
        if existing is None:
            super().__init__(*args, **kwargs)
            return
        logger.info(f"returning existing ULabel record with same name: '{name}'")
        super().__init__(*[getattr(existing, f.attname) for f in self._meta.concrete_fields])
        self._state.adding = False
        self._state.db = existing._state.db

    def save(self, *args, **kwargs):
        """Save; a label with this name (within its type) saved meanwhile, e.g. by another process, is
        returned instead of a duplicate (names are not unique in the table, as in LaminDB). With
        `ln.settings.creation.search_names = False` neither this nor the constructor looks names up."""
        if not self._state.adding or not isinstance(self.name, str) or not creation_settings.search_names:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            # one writer per name at a time: SQLite's transactions take the write lock at BEGIN
            # (IMMEDIATE), PostgreSQL's take a lock on the name until they end
            connection = connections[using]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"lamin_core.ulabel:{self.name}"]
                    )
            same_type = {"type_id": self.type_id} if self.type_id is not None else {"type__isnull": True}
            existing = ULabel.objects.using(using).filter(name=self.name, **same_type).order_by("id").first()
            if existing is None:
                return super().save(*args, **kwargs)
        logger.info(f"returning existing ULabel record with same name: '{self.name}'")
        for field in self._meta.concrete_fields:
            setattr(self, field.attname, getattr(existing, field.attname))
        self._state.adding = False
        self._state.db = existing._state.db
        return self
