# Calls go to api.stripe.com:443, the one egress destination the spec allows.
Stripe.api_key = ENV["STRIPE_API_KEY"]
