"""What the tests share, one module per subject (no test module imports another):

- `accounts`: logging in (real form, new user of a role, `VerifiedClient`), TOTP codes;
- `factories`: factory_boy factories of every model;
- `database`: `assert_unchanged`, `db_row`, `audit_trail`, raw SQL that bypasses the code;
- `pages`: parsed HTML (`parse_html`, `text_of`); `pdf`: the text a PDF draws;
- `tasks`: run queued tasks now, make retries due; `workers`: heartbeats and claimed tasks;
- `skips`: why a test skips, in the form the CI guard reads (a missing tool, PostgreSQL only);
- `processes`: real child processes (scheduler, worker) and `worker_with_pause.py`;
- `affiliation`, `backoffice`, `dashboards`, `payments`, `pupil_import`, `sms_codes`: data
  and steps of one part of the site; `crawl`: walking a role's pages; `smtp`: a real SMTP
  server; `browser`: Playwright pages (log in, axe-core, overflow).
"""
