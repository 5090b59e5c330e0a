"""Imports on their way in: the staging tables of the waste and feedback imports."""

from django.db import models


class StagedImport(models.Model):
    """An import of waste or feedback on its way in: its rows wait in a staging table (StagedWaste,
    StagedFeedback), written in short transactions, until one short transaction makes them all
    visible at once. Rows left by an import that never finished (its process was killed) are
    deleted by the next import of a day later."""

    kind = models.CharField(max_length=16)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} import of {self.started_at:%Y-%m-%d %H:%M}"


class StagedWaste(models.Model):
    """A waste record of a StagedImport, as it will be written (see there). Plain ids: the import
    checked them, and the table only ever holds rows on their way in."""

    staged_import = models.ForeignKey(StagedImport, on_delete=models.CASCADE, related_name="+")
    floor_id = models.BigIntegerField()
    date = models.DateField()
    meal = models.CharField(max_length=16)
    total_kg = models.DecimalField(max_digits=6, decimal_places=2)
    diners = models.PositiveIntegerField(null=True)
    recorded_by_id = models.BigIntegerField(null=True)

    def __str__(self):
        return f"staged waste of floor {self.floor_id} {self.date} {self.meal}"


class StagedFeedback(models.Model):
    """A feedback entry of a StagedImport, as it will be written (see there)."""

    staged_import = models.ForeignKey(StagedImport, on_delete=models.CASCADE, related_name="+")
    student_id = models.BigIntegerField()
    mess_id = models.BigIntegerField()
    date = models.DateField()
    meal = models.CharField(max_length=16)
    rating = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=16)
    comment = models.TextField(blank=True)
    is_critical = models.BooleanField(default=False)
    critical_why = models.CharField(max_length=255, blank=True)
    critical_themes = models.JSONField(default=list)

    def __str__(self):
        return f"staged feedback of student {self.student_id} {self.date} {self.meal}"
