from django.urls import include, path

from passplus.www.backoffice import (
    account_lockouts,
    affiliations,
    lookup_blocks,
    organisation_import,
    organisation_messages,
    payment_run_list,
    payment_runs,
    pupil_import,
    review_queue,
    scheduled_jobs,
    school_years,
    staff,
    ticket_actions,
    unclaimed,
)

app_name = "backoffice"

organisation = "organismes/<int:pk>/"
bank_account = organisation + "coordonnees-bancaires/<int:account_pk>/"

urlpatterns = [
    # Dashboards (home, charts) and the search / audit log pages have their own URL modules.
    path("", include("passplus.www.backoffice.dashboard_urls")),
    path("", include("passplus.www.backoffice.search_urls")),
    path("blocages/", lookup_blocks.block_list, name="lookup_blocks"),
    path("equipe/", staff.staff_list, name="staff"),
    path("equipe/nouveau/", staff.staff_account_create_view, name="staff_account_create"),
    path("equipe/role/", staff.staff_account_promote_view, name="staff_account_promote"),
    path(
        "equipe/<int:pk>/activer/", staff.staff_account_activate_view, name="staff_account_activate"
    ),
    path(
        "equipe/<int:pk>/double-authentification/reinitialiser/",
        staff.staff_two_factor_reset,
        name="staff_two_factor_reset",
    ),
    path("a-traiter/", review_queue.review_queue, name="review_queue"),
    path("taches-planifiees/", scheduled_jobs.scheduled_jobs, name="scheduled_jobs"),
    path(
        "taches-planifiees/<slug:name>/lancer/",
        scheduled_jobs.scheduled_job_start,
        name="scheduled_job_start",
    ),
    path("tickets/<int:pk>/annuler/", ticket_actions.ticket_void, name="ticket_void"),
    path("tickets/<int:pk>/retablir/", ticket_actions.ticket_restore, name="ticket_restore"),
    path(
        organisation + "message/",
        organisation_messages.organisation_message_send,
        name="organisation_message",
    ),
    path("a-traiter/taches/<uuid:pk>/relancer/", review_queue.task_retry, name="task_retry"),
    path(
        "a-traiter/comptes/<int:pk>/debloquer/",
        account_lockouts.staff_account_unlock_view,
        name="staff_account_unlock",
    ),
    path("remboursements/", payment_run_list.run_list, name="payment_runs"),
    path("remboursements/preparer/", payment_run_list.run_prepare, name="payment_run_prepare"),
    path("remboursements/<int:pk>/", payment_runs.run_detail, name="payment_run"),
    path("remboursements/<int:pk>/verifier/", payment_runs.run_check, name="payment_run_check"),
    path(
        "remboursements/<int:pk>/approuver/", payment_runs.run_approve, name="payment_run_approve"
    ),
    path("remboursements/<int:pk>/transmise/", payment_runs.run_mark_sent, name="payment_run_sent"),
    path("remboursements/<int:pk>/sepa.xml", payment_runs.run_sepa_file, name="payment_run_sepa"),
    path(
        "remboursements/<int:pk>/tout-paye/",
        payment_runs.run_mark_all_paid,
        name="payment_run_all_paid",
    ),
    path(
        "remboursements/<int:pk>/virements/<int:payment_pk>/paye/",
        payment_runs.payment_paid,
        name="payment_paid",
    ),
    path(
        "remboursements/<int:pk>/virements/<int:payment_pk>/rejete/",
        payment_runs.payment_rejected,
        name="payment_rejected",
    ),
    path("blocages/<int:pk>/lever/", lookup_blocks.block_lift, name="lookup_block_lift"),
    path("campagnes/", school_years.school_year_list, name="school_years"),
    path("campagnes/nouvelle/", school_years.school_year_create, name="school_year_create"),
    path("campagnes/<int:pk>/modifier/", school_years.school_year_edit, name="school_year_edit"),
    path("eleves/import/", pupil_import.import_upload, name="pupil_import"),
    path("eleves/import/<int:pk>/", pupil_import.import_job, name="pupil_import_job"),
    path(
        "eleves/import/<int:pk>/importer/",
        pupil_import.import_job_confirm,
        name="pupil_import_confirm",
    ),
    path(
        "eleves/import/<int:pk>/relancer/",
        pupil_import.import_job_retry,
        name="pupil_import_retry",
    ),
    path(
        "reprise-organismes/",
        organisation_import.organisation_import_upload,
        name="organisation_import",
    ),
    path(
        "reprise-organismes/<int:pk>/",
        organisation_import.organisation_import_job,
        name="organisation_import_job",
    ),
    path(
        "reprise-organismes/<int:pk>/importer/",
        organisation_import.organisation_import_confirm,
        name="organisation_import_confirm",
    ),
    path(
        "reprise-organismes/<int:pk>/relancer/",
        organisation_import.organisation_import_retry,
        name="organisation_import_retry",
    ),
    path("organismes-non-reclames/", unclaimed.unclaimed_list, name="unclaimed_organisations"),
    path(
        "organismes-non-reclames/export.csv",
        unclaimed.unclaimed_csv,
        name="unclaimed_organisations_csv",
    ),
    path(
        "organismes-non-reclames/renvoyer-a-tous/",
        unclaimed.claim_invitations_resend_all_view,
        name="claim_invitations_resend_all",
    ),
    path(
        "organismes-non-reclames/<int:pk>/renvoyer/",
        unclaimed.claim_invitation_resend,
        name="claim_invitation_resend",
    ),
    path("organismes/", affiliations.organisation_list, name="organisations"),
    path(organisation, affiliations.organisation_detail, name="organisation"),
    path(
        organisation + "suspendre/", affiliations.organisation_suspend, name="organisation_suspend"
    ),
    path(
        organisation + "reactiver/",
        affiliations.organisation_reactivate,
        name="organisation_reactivate",
    ),
    path(
        organisation + "resilier/",
        affiliations.organisation_terminate,
        name="organisation_terminate",
    ),
    path(
        organisation + "eligibilite/verifiee/",
        affiliations.organisation_review_eligibility,
        name="organisation_review_eligibility",
    ),
    path(
        organisation + "conventions/<int:convention_pk>/pdf/",
        affiliations.convention_pdf,
        name="convention_pdf",
    ),
    path(
        organisation + "convention-systeme-precedent/pdf/",
        affiliations.previous_convention_pdf,
        name="previous_convention_pdf",
    ),
    path(bank_account + "rib/", affiliations.bank_account_rib, name="bank_account_rib"),
    path(
        bank_account + "valider/", affiliations.bank_account_validate, name="bank_account_validate"
    ),
    path(bank_account + "refuser/", affiliations.bank_account_reject, name="bank_account_reject"),
]
