"""django-otp's TOTP plugin, installed without its admin pages.

Those pages show every authenticator's secret and QR code to whoever may view them, which is a
copy of a manager's second factor. An authenticator is set up by its owner
(dealerships.two_factor) and removed, when a phone is lost, with `manage.py totp_reset`.
"""

from django_otp.plugins.otp_totp.apps import DefaultConfig


class TotpWithoutAdminConfig(DefaultConfig):
    def ready(self) -> None:
        super().ready()
        from django.contrib import admin
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # The admin (first in INSTALLED_APPS) has registered it by now.
        if admin.site.is_registered(TOTPDevice):
            admin.site.unregister(TOTPDevice)
