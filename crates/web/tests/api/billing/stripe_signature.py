"""Stripe's official Python library (`stripe` from PyPI) as the oracle for FlowSense's
Stripe-Signature tests: it signs as Stripe signs, and says whether it accepts a delivery.

    stripe_signature.py sign SECRET TIMESTAMP < body    prints the header Stripe's library makes
    stripe_signature.py verify SECRET HEADER < body     prints the event id Webhook.construct_event
                                                        returns, or "refused: ..." and exits 1
"""

import sys

import stripe


def main() -> int:
    mode, secret, arg = sys.argv[1:4]
    payload = sys.stdin.buffer.read().decode("utf-8")
    if mode == "sign":
        print(stripe.WebhookSignature.generate_signature_header(payload, secret, int(arg)))
        return 0
    if mode == "verify":
        try:
            event = stripe.Webhook.construct_event(payload, arg, secret, tolerance=300)
        except stripe.SignatureVerificationError as e:
            print(f"refused: {e}")
            return 1
        print(event["id"])
        return 0
    print(f"unknown mode {mode}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
