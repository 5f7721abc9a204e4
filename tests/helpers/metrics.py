"""Reading /metriques/ in tests: the token, a scrape parsed with prometheus_client's own
parser, and one sample's value."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "jeton-de-test-des-metriques-0123456789"


class Scrape:
    """The samples of one scrape, by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples = [sample for family in self.families.values() for sample in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series does not exist (yet)."""
        for sample in self.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
        return 0.0

    def label_values(self, label: str) -> set[str]:
        return {sample.labels[label] for sample in self.samples if label in sample.labels}


def scrape(client: Client | None = None, *, token: str = METRICS_TOKEN) -> Scrape:
    """GET /metriques/ with the token (the `settings` fixture must set PASSPLUS_METRICS_TOKEN)."""
    response = (client or Client()).get(
        reverse("public:metrics"), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200, response.content[:200]
    return Scrape(response.content.decode())


def metrics_on(settings: Any) -> None:
    settings.PASSPLUS_METRICS_TOKEN = METRICS_TOKEN
