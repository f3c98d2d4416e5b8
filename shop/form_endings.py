"""The action that ends each form, with the form and its last question (the confirmation).

When that action fails (the database or the action server is down), the form is opened again at
its confirmation, so the customer's "yes" a minute later finishes what was started; both the
action server (actions/server.py) and the Rasa server (addons/action_failures.py) do so."""

FINAL_ACTIONS: dict[str, tuple[str, str]] = {
    "action_place_order": ("purchase_form", "purchase_confirmed"),
    "action_submit_refund": ("refund_form", "refund_confirmed"),
    "action_book_meeting": ("booking_form", "booking_confirmed"),
}
