from django.apps import AppConfig


class KpiappConfig(AppConfig):
    name = "kpiapp"
    verbose_name = "Kennzahl"

    def ready(self) -> None:
        from accounts.hooks import (
            on_account_pages_changed,
            on_audit_words,
            on_user_data_export,
            on_workspace_created,
            on_workspace_settings_changed,
        )
        from kpiapp.kpis.benchmarks import library
        from kpiapp.pagecache.invalidation import account_pages_changed
        from kpiapp.selectors.audit import audit_entries
        from kpiapp.services.lead_scoring import workspace_created
        from kpiapp.services.snapshots import settings_changed
        from kpiapp.user_data import user_data_sections

        on_workspace_settings_changed(settings_changed)
        on_user_data_export(user_data_sections)
        on_audit_words(audit_entries)
        on_workspace_created(workspace_created)
        on_account_pages_changed(account_pages_changed)
        library()  # a bad row of the benchmark library stops the start, naming the row
