"""The switch-over from a département's previous system (docs/switch-over.md).

- lines.py: the file's columns and one checked line (`OrganisationLine`), the contract
  between the steps;
- checking.py: reading and checking the whole file (the shared CSV helpers of
  passplus.core.csv_files, the wizard's validators, duplicates, missing documents);
- documents.py: the optional ZIP of RIBs and signed conventions, opened safely;
- applying.py: creating or updating organisations from checked lines, in one transaction;
- claims.py: the contacts' invitations to claim their accounts, resends and reminders.
"""
