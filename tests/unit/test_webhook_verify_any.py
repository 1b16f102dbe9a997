"""`verify_any`: a delivery checked against one secret per bridge says which one signed it;
`Seen.forget` takes back a delivery that could not be queued."""

from __future__ import annotations

import pytest
from fakes.webhooks import signed, whsec

from gitissues.webhooks.verify import MAX_BODY, Refused, Seen, claimed_id, verify_any

BODY = b'{"issue": {"number": 1}}'


@pytest.mark.parametrize("scheme", ["github", "gitea", "forgejo", "gitlab-token",
                                    "gitlab-signed", "jira"])
def test_the_secret_that_signed_names_its_bridge(scheme: str) -> None:
    platform = {"forgejo": "gitea"}.get(scheme, scheme.split("-")[0])
    secrets = {"a": whsec(b"key of bridge a"), "b": whsec(b"key of bridge b")}
    headers = signed(scheme, BODY, secrets["b"], "d-1")
    name, delivery = verify_any(platform, headers, BODY, secrets)
    assert (name, delivery.delivery_id, delivery.payload) == ("b", "d-1", {"issue": {"number": 1}})
    with pytest.raises(Refused) as e:
        verify_any(platform, headers, BODY, {"a": secrets["a"]})
    assert e.value.status == 401
    with pytest.raises(Refused) as e:
        verify_any(platform, headers, BODY, {})
    assert (e.value.status, e.value.reason) == (401, "no secret to check the signature with")
    bad = b"{not json"
    with pytest.raises(Refused) as e:  # signed by b: its JSON is judged, once
        verify_any(platform, signed(scheme, bad, secrets["b"], "d-2"), bad, secrets)
    assert e.value.status == 400


def test_the_claimed_id_is_read_for_the_log_before_anything_is_verified() -> None:
    assert claimed_id("github", {"X-GitHub-Delivery": "x"}) == "x"
    assert claimed_id("forgejo", {"X-Gitea-Delivery": "y"}) == "y"
    assert claimed_id("gitlab", {"webhook-id": "z"}) == "z"
    assert claimed_id("jira", {}) is None


def test_the_limit_refuses_a_10_mb_body() -> None:
    assert 1_048_576 * 2 < MAX_BODY < 10_000_000


def test_a_forgotten_delivery_is_first_again() -> None:
    seen = Seen()
    assert seen.first("a") and not seen.first("a")
    seen.forget("a")
    seen.forget("never seen")
    assert seen.first("a") and len(seen) == 1
