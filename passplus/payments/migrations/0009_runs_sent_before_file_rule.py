"""Runs transmitted before a transmission required its SEPA file (issue 31): two runs had been
marked transmitted and paid although their file had never been produced.

- already `sent` or `closed`: the transfers are at the bank; nobody recorded which file (if any)
  went there, so no hash is invented, not even the stored file's when there is one: the run is
  marked `sent_before_file_rule` (shown on its page) so its reconciliation can finish.
- still `approved`: nothing changes; before it is marked transmitted, a finance user other than
  its builder downloads the file (a download from before this migration is in the journal only
  and does not count: nobody's role then is known for sure).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def mark_transmitted_runs(apps: Any, schema_editor: Any) -> None:
    PaymentRun = apps.get_model("payments", "PaymentRun")
    PaymentRun.objects.filter(status__in=["sent", "closed"]).update(sent_before_file_rule=True)


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_sepa_download_and_sent_hash")]

    operations = [migrations.RunPython(mark_transmitted_runs, migrations.RunPython.noop)]
