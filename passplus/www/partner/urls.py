from django.urls import path

from passplus.www.partner import (
    account,
    bank_details,
    bulk,
    claim,
    conventions,
    entry,
    exports,
    invitation,
    redemptions,
    reimbursements,
    views,
    wizard,
)

app_name = "partner"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitation/<str:token>/", invitation.accept, name="invitation"),
    path("membre/<str:token>/", account.member_invitation, name="member_invitation"),
    path("reprise/<str:token>/", claim.claim, name="claim"),
    path("compte/", account.account, name="account"),
    path("compte/fiche/", account.profile, name="profile"),
    path("compte/utilisateurs/", account.members, name="members"),
    path(
        "compte/utilisateurs/<int:pk>/retirer/",
        account.member_remove_view,
        name="member_remove",
    ),
    path(
        "compte/invitations/<int:pk>/annuler/",
        account.member_invitation_revoke_view,
        name="member_invitation_revoke",
    ),
    path("compte/coordonnees-bancaires/", bank_details.bank_details, name="bank_details"),
    path(
        "compte/coordonnees-bancaires/confirmer/",
        bank_details.bank_details_confirm,
        name="bank_details_confirm",
    ),
    path("adhesion/", wizard.start, name="affiliation"),
    path("adhesion/<slug:slug>/", wizard.step, name="affiliation_step"),
    path("conventions/<int:pk>/", conventions.convention, name="convention"),
    path("conventions/<int:pk>/pdf/", conventions.convention_pdf, name="convention_pdf"),
    path(
        "conventions/systeme-precedent/pdf/",
        conventions.previous_convention_pdf,
        name="previous_convention_pdf",
    ),
    path("tickets/saisir/", entry.lookup, name="entry"),
    path("tickets/confirmer/", entry.confirm, name="entry_confirm"),
    path("tickets/confirmer/prolonger/", entry.extend, name="entry_extend"),
    path("tickets/saisie-groupee/", bulk.bulk_entry, name="bulk_entry"),
    path("saisies/", redemptions.redemption_list, name="redemptions"),
    path("saisies/export.csv", exports.redemptions_csv, name="redemptions_csv"),
    path("saisies/export.xlsx", exports.redemptions_xlsx, name="redemptions_xlsx"),
    path("remboursements/", reimbursements.reimbursements, name="reimbursements"),
    path("remboursements/<int:pk>/", reimbursements.payment_detail, name="payment"),
    path(
        "remboursements/<int:pk>/avis.pdf",
        reimbursements.payment_advice_pdf,
        name="payment_advice",
    ),
    path("saisies/<int:pk>/", redemptions.redemption_detail, name="redemption"),
    path("saisies/<int:pk>/annuler/", redemptions.redemption_cancel, name="redemption_cancel"),
]
