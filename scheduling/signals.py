"""A schedule saved again (an admin corrected it) is tried again by the scheduler."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django_q.models import Schedule

from scheduling.models import BrokenSchedule


@receiver(post_save, dispatch_uid="scheduling.schedule_saved")
def schedule_saved(sender, instance, raw=False, **kwargs):
    # Sent with the proxy the admin saves (JobSchedule) as its sender, or with Schedule itself.
    if not raw and isinstance(instance, Schedule):
        BrokenSchedule.objects.filter(schedule_id=instance.pk).delete()
