from django.apps import AppConfig


class KpiappConfig(AppConfig):
    name = "kpiapp"
    verbose_name = "Kennzahl"

    def ready(self) -> None:
        from accounts.hooks import on_workspace_settings_changed
        from kpiapp import page_signals
        from kpiapp.services.snapshots import settings_changed

        on_workspace_settings_changed(settings_changed)
        page_signals.connect()
