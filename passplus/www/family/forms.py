from __future__ import annotations

import re
from typing import Any

from django import forms

from passplus.core.money import format_cents, parse_euros
from passplus.pupils.models import Pupil, Wallet, WalletQuerySet

# Euros, with at most two decimals after a comma or a dot: "25", "12,5", "12.50", "12,50 €".
AMOUNT = re.compile(r"[0-9]{1,6}(?:[.,][0-9]{1,2})?")
AMOUNT_FORMAT = "Saisissez un montant en euros, par exemple 25 ou 12,50."


class WalletChoiceField(forms.ModelChoiceField[Wallet]):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"Crédit {obj.get_domain_display().lower()} : "
            f"{format_cents(obj.remaining)} restants sur {format_cents(obj.granted_cents)}"
        )


class TicketForm(forms.Form):
    """Choose one of the pupil's wallets of the campaign and an amount within its credit.

    The wallet's rules are checked here for clear field errors; `Ticket.issue` checks them again
    under the wallet's row lock, which is what settles a double submit."""

    wallet = WalletChoiceField(
        label="Crédit utilisé",
        queryset=Wallet.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choisissez le crédit sur lequel créer le ticket.",
            "invalid_choice": "Choisissez l'un des crédits de cet enfant.",
        },
    )
    amount = forms.CharField(
        label="Montant du ticket, en euros",
        max_length=20,
        help_text="Par exemple 25 ou 12,50. Au plus le crédit restant.",
        error_messages={"required": "Indiquez le montant du ticket."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, wallets: WalletQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["wallet"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = wallets
        if len(wallets) == 1:
            # One credit: nothing to choose. The field stays (hidden) so the POST names it, and
            # the amount's help says which credit it is and what is left.
            field.initial = wallets[0].pk
            field.widget = forms.HiddenInput()
            amount = self.fields["amount"]
            amount.help_text = f"{field.label_from_instance(wallets[0])}. {amount.help_text}"

    def clean_wallet(self) -> Wallet:
        wallet: Wallet = self.cleaned_data["wallet"]
        year = wallet.school_year
        if not year.accepts_generation():
            raise forms.ValidationError(
                f"Les tickets de l'année scolaire {year.label} se créent du "
                f"{year.starts_on:%d/%m/%Y} au {year.generation_deadline:%d/%m/%Y}."
            )
        if wallet.remaining <= 0:  # type: ignore[attr-defined]
            raise forms.ValidationError("Ce crédit est entièrement utilisé.")
        return wallet

    def clean_amount(self) -> int:
        text = self.cleaned_data["amount"].strip().removesuffix("€").strip()
        if text.startswith("-"):
            raise forms.ValidationError("Le montant doit être supérieur à 0 €.")
        if not AMOUNT.fullmatch(text):
            raise forms.ValidationError(AMOUNT_FORMAT)
        cents = parse_euros(text)
        if cents <= 0:
            raise forms.ValidationError("Le montant doit être supérieur à 0 €.")
        return cents

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if isinstance(self.fields["wallet"].widget, forms.HiddenInput) and "wallet" in self.errors:
            # A hidden field's error would show nowhere near the form: say it at the amount.
            self.add_error("amount", list(self.errors.pop("wallet")))
        wallet, cents = cleaned.get("wallet"), cleaned.get("amount")
        if wallet is not None and cents is not None and cents > wallet.remaining:
            self.add_error(
                "amount",
                f"Le montant dépasse le crédit restant ({format_cents(wallet.remaining)}).",
            )
        return cleaned


def pupil_wallets(pupil: Pupil, year: Any) -> WalletQuerySet:
    """The pupil's wallets of the campaign, with their remaining credit."""
    return (
        Wallet.objects.filter(pupil=pupil, school_year=year)
        .select_related("school_year")
        .with_balance()
        .order_by("domain")
    )
