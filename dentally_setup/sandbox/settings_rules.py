"""The sandbox portal's rules for one site's payment settings (GET and PUT), as the contract
describes them: If-Match/ETag, 412 with the current settings, 409 stripe_not_ready, and 422
with one ``fields`` entry per problem."""

from __future__ import annotations

from typing import Any

from dentally_setup.sandbox.httpbase import Reply
from dentally_setup.sandbox.portal_errors import error_reply, settings_reply
from dentally_setup.sandbox.world import World

MINIMUM_MINOR = {"GBP": 30, "EUR": 50, "USD": 50, "AUD": 50, "CAD": 50, "NZD": 50}
MAXIMUM_MINOR = 500_000
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}
UPDATED_BY = "Dentally Setup"


def money(minor: int, currency: str) -> str:
    return f"{SYMBOLS.get(currency, currency + ' ')}{minor / 100:,.2f}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(data: Any, currency: str, types: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Every problem with a ``PaymentSettingsInput``, as the contract's ``fields`` entries."""
    problems: list[dict[str, str]] = []

    def add(field: str, code: str, message: str) -> None:
        problems.append({"field": field, "code": code, "message": message})

    if not isinstance(data, dict):
        add("payment_settings", "required" if data is None else "invalid",
            "Send the payment settings as an object.")
        return problems
    minimum = MINIMUM_MINOR.get(currency, 50)

    def check_amount(field: str, amount: int, what: str) -> bool:
        if amount < minimum:
            add(field, "below_minimum",
                f"{what} must be at least {money(minimum, currency)}, Stripe's smallest charge.")
            return False
        if amount > MAXIMUM_MINOR:
            add(field, "above_maximum", f"{what} can be at most {money(MAXIMUM_MINOR, currency)}.")
            return False
        return True

    for group in ("deposits", "balances", "invoices"):
        value = data.get(group)
        if value is None:
            add(group, "required", f"Say whether {group} are on or off.")
        elif not isinstance(value, dict):
            add(group, "invalid", f"{group} should be an object.")
        elif "enabled" not in value or value["enabled"] is None:
            add(f"{group}.enabled", "required", f"Say whether {group} are on or off.")
        elif not isinstance(value["enabled"], bool):
            add(f"{group}.enabled", "invalid", f"{group}.enabled should be true or false.")

    deposits = data.get("deposits")
    if not isinstance(deposits, dict):
        return problems
    default = deposits.get("default_amount_minor")
    field = "deposits.default_amount_minor"
    if default is None:
        if deposits.get("enabled") is True:
            add(field, "required", "Enter the deposit to take for an online booking.")
    elif not _is_int(default):
        add(field, "invalid", "The deposit should be a whole number of pence.")
    else:
        check_amount(field, default, "The deposit")

    by_type = deposits.get("by_appointment_type")
    if by_type is None:
        return problems
    if not isinstance(by_type, dict):
        add("deposits.by_appointment_type", "invalid",
            "by_appointment_type should map appointment type ids to amounts.")
        return problems
    for type_id, amount in by_type.items():
        field = f"deposits.by_appointment_type.{type_id}"
        known = types.get(type_id)
        if known is None:
            add(field, "unknown_appointment_type", f"There is no appointment type {type_id!r}.")
        elif not _is_int(amount):
            add(field, "invalid", "The deposit should be a whole number of pence.")
        elif amount == 0:
            continue  # no deposit for this type
        elif amount < 0:
            add(field, "below_minimum", f"The deposit for {known['name']} cannot be negative.")
        elif check_amount(field, amount, f"The deposit for {known['name']}"):
            price = known.get("price_minor")
            if price is not None and amount > price:
                add(field, "exceeds_price",
                    f"The deposit for {known['name']} ({money(amount, currency)}) is more than "
                    f"its price ({money(price, currency)}).")
    return problems


def get(world: World, site_id: str) -> Reply:
    with world.lock:
        if site_id not in world.settings:
            return error_reply(404, "not_found", f"There is no site {site_id!r}.")
        return settings_reply(200, world.settings_json(site_id), world.etag(site_id))


def put(world: World, site_id: str, if_match: str | None, body: Any, ready: bool) -> Reply:
    """Apply a PUT. Runs under the world lock; ``ready`` was looked up on Stripe beforehand."""
    with world.lock:
        if site_id not in world.settings:
            return error_reply(404, "not_found", f"There is no site {site_id!r}.")
        if not if_match:
            return error_reply(428, "precondition_required",
                               "Send If-Match with the ETag of the settings you changed.")
        current_etag = world.etag(site_id)
        if current_etag not in [tag.strip() for tag in if_match.split(",")]:
            return error_reply(
                412, "settings_changed",
                "Someone changed these payment settings since you read them.",
                payment_settings=world.settings_json(site_id), headers={"ETag": current_etag})
        if not isinstance(body, dict) or "payment_settings" not in body:
            return error_reply(422, "validation_failed", "The payment settings are missing.",
                               fields=[{"field": "payment_settings", "code": "required",
                                        "message": "Send the payment settings."}])
        data = body["payment_settings"]
        currency = world.practice["currency"]
        types = {t["id"]: t for t in world.appointment_types}
        problems = validate(data, currency, types)
        if problems:
            return error_reply(422, "validation_failed",
                               "Some of the payment settings need changing.", fields=problems)
        old = world.settings[site_id]
        turning_on = [g for g in ("deposits", "balances", "invoices")
                      if data[g]["enabled"] and not old[g]["enabled"]]
        if turning_on and not ready:
            linked = world.link["status"] == "linked"
            reason = ("the linked Stripe account cannot take payments yet" if linked
                      else "the portal is not linked to Stripe")
            return error_reply(409, "stripe_not_ready",
                               f"Cannot turn on {', '.join(turning_on)}: {reason}.")
        deposits = data["deposits"]
        new = {
            "deposits": {
                "enabled": deposits["enabled"],
                "default_amount_minor": deposits.get("default_amount_minor"),
                "by_appointment_type": dict(sorted((deposits.get("by_appointment_type")
                                                    or {}).items())),
            },
            "balances": {"enabled": data["balances"]["enabled"]},
            "invoices": {"enabled": data["invoices"]["enabled"]},
        }
        world.store_settings(site_id, new, UPDATED_BY)
        world.applied_writes[site_id] = world.applied_writes.get(site_id, 0) + 1
        world.save()
        return settings_reply(200, world.settings_json(site_id), world.etag(site_id))


def turn_everything_off(world: World, updated_by: str) -> None:
    """Unlinking: nothing can take payments without a linked account."""
    with world.lock:
        for site_id, s in world.settings.items():
            if s["deposits"]["enabled"] or s["balances"]["enabled"] or s["invoices"]["enabled"]:
                new = {"deposits": dict(s["deposits"], enabled=False),
                       "balances": {"enabled": False}, "invoices": {"enabled": False}}
                world.store_settings(site_id, new, updated_by)
