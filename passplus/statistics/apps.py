from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    """The dashboards' figures (aggregate queries over the domain apps), their charts (inline
    SVG) and their CSV files. No models: read-only over the domain apps."""

    name = "passplus.statistics"
    label = "statistics"
    verbose_name = "Statistiques"
