"""API tokens: how an integration logs in to the API without a browser session.

A token acts as its owner, limited to one of the owner's dealerships or to none; the limit is
enforced where the tenant is resolved (dealerships.scoping.DealershipApiMixin).
"""
