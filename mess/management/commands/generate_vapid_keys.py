"""Prints a new VAPID key pair for Web Push, as lines of a .env file: put them in the environment
of the web server and of the cluster, and ManageIt offers push notifications on /settings/. Keep the
private key secret; changing the pair later makes every browser subscribe again."""

from django.core.management.base import BaseCommand

from mess.push import vapid_keys_generate


class Command(BaseCommand):
    help = "Prints a new VAPID key pair for Web Push (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY) in .env form."

    def handle(self, *args, **options):
        public, private = vapid_keys_generate()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}\nVAPID_PRIVATE_KEY={private}\nVAPID_SUBJECT=mailto:you@example.org\n")
