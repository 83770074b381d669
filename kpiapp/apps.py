from django.apps import AppConfig


class KpiappConfig(AppConfig):
    name = "kpiapp"
    verbose_name = "Kennzahl"
